import copy

import pytest

from conftest import default_config
from optimizer_animations.config.check import (
    ConfigError,
    check_config,
    experiment_runs,
    frame_epochs,
)


def test_default_config_is_valid_and_gets_defaults():
    config = default_config()
    del config["frames"]["hold_ms"]
    del config["plots"]
    check_config(config)
    assert config["frames"]["hold_ms"] == 1000
    assert config["frames"]["max_frames"] == 2000
    assert config["plots"] == {"log_scale": False}


def test_runs_are_expanded_with_labels_and_arguments():
    config = default_config()
    config["experiments"]["outputs"]["optimizers"] = [
        "sgd",
        {"name": "Adam", "learning_rate": 0.01, "label": "adam-fast"},
    ]
    check_config(config)
    runs = experiment_runs(config)
    assert [(r.label, r.optimizer, r.arguments) for r in runs["outputs"]] == [
        ("sgd", "SGD", {}),
        ("adam-fast", "Adam", {"learning_rate": 0.01}),
    ]
    assert list(runs) == ["outputs", "losses"]


@pytest.mark.parametrize(
    "epochs, every, expected",
    [
        (500, 25, list(range(0, 501, 25))),
        (10, 4, [0, 4, 8, 10]),
        (3, 25, [0, 3]),
        (1, 1, [0, 1]),
    ],
)
def test_frame_epochs_include_first_every_nth_and_last(epochs, every, expected):
    assert frame_epochs(epochs, every) == expected


def outputs(config):
    return config["experiments"]["outputs"]


BAD_CONFIGS = [
    (
        "results folder outside the working directory",
        lambda c: c.update(results_dir="../elsewhere"),
        ["'results_dir' = '../elsewhere' must be a relative folder path without '..'"],
    ),
    ("unknown top-level key", lambda c: c.update(frame={}), ["'frame'", "Did you mean 'frames'?"]),
    (
        "unknown nested key",
        lambda c: c["frames"].update(evry=5),
        ["in 'frames'", "'evry'", "every"],
    ),
    (
        "unknown experiment key",
        lambda c: outputs(c).update(epoch=5),
        ["'epoch'", "Did you mean 'epochs'?"],
    ),
    (
        "wrong type",
        lambda c: outputs(c).update(epochs="500"),
        ["experiments.outputs.epochs", "a whole number", "'500'"],
    ),
    (
        "float epochs",
        lambda c: outputs(c).update(epochs=2.5),
        ["experiments.outputs.epochs", "a whole number"],
    ),
    (
        "negative epochs",
        lambda c: outputs(c).update(epochs=-5),
        ["experiments.outputs.epochs", "at least 1", "-5"],
    ),
    (
        "zero epochs",
        lambda c: outputs(c).update(epochs=0),
        ["experiments.outputs.epochs", "at least 1"],
    ),
    ("zero every", lambda c: c["frames"].update(every=0), ["frames.every", "at least 1"]),
    (
        "zero duration",
        lambda c: c["frames"].update(duration_ms=0),
        ["frames.duration_ms", "at least 1"],
    ),
    (
        "ylim not increasing",
        lambda c: c["frames"].update(ylim=[1, -1]),
        ["frames.ylim", "increasing"],
    ),
    (
        "unknown optimizer",
        lambda c: outputs(c).update(optimizers=["Adm"]),
        ["optimizers[0]", "'Adm'", "Did you mean 'Adam'?", "RMSprop"],
    ),
    (
        "unknown argument",
        lambda c: outputs(c).update(optimizers=[{"name": "SGD", "lr": 0.1}]),
        ["optimizers[0]", "'lr'", "learning_rate"],
    ),
    (
        "argument type",
        lambda c: outputs(c).update(optimizers=[{"name": "SGD", "nesterov": 1}]),
        ["optimizers[0].nesterov", "wrong type"],
    ),
    (
        "empty optimizer list",
        lambda c: outputs(c).update(optimizers=[]),
        ["experiments.outputs.optimizers", "empty"],
    ),
    (
        "duplicate label",
        lambda c: outputs(c).update(optimizers=["SGD", {"name": "SGD", "momentum": 0.9}]),
        ["run name 'sgd'", "already used", "distinct 'label'"],
    ),
    (
        "unsafe label",
        lambda c: outputs(c).update(optimizers=[{"name": "SGD", "label": "../up"}]),
        ["label", "'../up'", "safe folder name"],
    ),
    (
        "label with a slash",
        lambda c: outputs(c).update(optimizers=[{"name": "SGD", "label": "a/b"}]),
        ["'a/b'", "safe folder name"],
    ),
    (
        "unsafe experiment name",
        lambda c: c["experiments"].update({"../x": outputs(c)}),
        ["'../x'", "safe folder name"],
    ),
    ("no experiments", lambda c: c.update(experiments={}), ["'experiments'", "empty"]),
    (
        "kernel shape",
        lambda c: c["init"].update(kernel=[[0.1, 0.2]]),
        ["init.kernel", "1 x 3", "1 x 2"],
    ),
    ("bias shape", lambda c: c["init"].update(bias=[0.0]), ["init.bias", "3 values"]),
    (
        "x shape",
        lambda c: c["data"].update(x=[[1.0, 2.0], [3.0]], y=[[0.0] * 3] * 2),
        ["data.x", "same length (the number of inputs)", "[1, 2]"],
    ),
    (
        "kernel of two inputs",
        lambda c: c["data"].update(x=[[1.0, 2.0]]),
        ["init.kernel", "must be 2 x 3", "got 1 x 3"],
    ),
    (
        "x/y samples",
        lambda c: c["data"].update(x=[[1.0], [2.0]]),
        ["data.x", "2 samples", "'data.y' has 1"],
    ),
    (
        "ragged y",
        lambda c: c["data"].update(y=[[0.0, 1.0, 0.0], [1.0]], x=[[1.0], [2.0]]),
        ["data.y", "same length"],
    ),
    ("seed and kernel", lambda c: c["init"].update(seed=1), ["'init'", "kernel", "seed"]),
    (
        "bad optimizer entry",
        lambda c: outputs(c).update(optimizers=[5]),
        ["optimizers[0]", "a name or a mapping"],
    ),
    (
        "too many frames",
        lambda c: outputs(c).update(epochs=100_000),
        ["4001 frames", "frames.max_frames", "'frames.every' to 51"],
    ),
    (
        "state not a boolean",
        lambda c: outputs(c).update(state="yes"),
        ["experiments.outputs.state", "true or false", "'yes'"],
    ),
    ("not a mapping", lambda c: c.clear(), ["missing a required key"]),
]


@pytest.mark.parametrize(
    "mutate, expected", [case[1:] for case in BAD_CONFIGS], ids=[case[0] for case in BAD_CONFIGS]
)
def test_bad_config_is_rejected_with_a_message_naming_key_and_allowed_values(mutate, expected):
    config = copy.deepcopy(default_config())
    mutate(config)
    with pytest.raises(ConfigError) as error:
        check_config(config)
    message = str(error.value)
    assert message.startswith("invalid config: ")
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"
    assert "Traceback" not in message and "\n" not in message
