"""The hostile configs of issues 19 and 43: what a contributor's pull request
could put in a docs repository's config. Shared by
tests/test_hostile_configs.py and benchmarks/hostile_refusals.py; add every
new probe here. Probes that need a file beside the config (a CSV), the whole
plan (names that clash, frames that would not fit) or a run (the report, a
damaged data file) are in tests/test_hostile_keys.py, and those of size in
benchmarks/hostile_sizes.py."""

import datetime

from optimizer_animations.testing import default_config

# A command that leaves this file behind wherever it runs.
MARKER = "pwned-marker"
JINJA_COMMAND = "{{ cycler.__init__.__globals__.os.popen('touch " + MARKER + "').read() }}"


def one_experiment(**settings):
    config = default_config()
    config.pop("publish")
    config["experiments"] = {"e1": {"epochs": 10, "optimizers": ["SGD"], **settings}}
    return config


def with_(config, **top):
    return {**config, **top}


def alias_bomb(levels=9):
    """What nine levels of YAML aliases load as: one list, used 10^9 times."""
    value = ["lol"]
    for _ in range(levels):
        value = [value] * 10
    return value


def nested(depth):
    value = 1
    for _ in range(depth):
        value = [value]
    return value


def landscape(function, **settings):
    return {
        "experiments": {
            "l": {"epochs": 10, "optimizers": ["SGD"], "function": function, **settings}
        }
    }


INF = float("inf")
PROBES = [
    # 1: an argument whose Keras default is None took anything, and reached the report.
    (
        "jinja2 in an optimizer argument",
        one_experiment(optimizers=[{"name": "Adagrad", "ema_overwrite_frequency": JINJA_COMMAND}]),
        ["optimizers[0].ema_overwrite_frequency", "whole number"],
    ),
    (
        "restructuredtext in an optimizer argument",
        one_experiment(
            optimizers=[
                {"name": "Adam", "clipvalue": "1\n\n.. raw:: html\n\n   <script>x</script>"}
            ]
        ),
        ["optimizers[0].clipvalue", "a number"],
    ),
    # 3: grid values became run names, and run names HTML attributes.
    (
        "attribute break-out through a grid value",
        one_experiment(
            optimizers=[
                {
                    "name": "Adam",
                    "grid": {"ema_overwrite_frequency": ['" onerror="window.__p4=1,1']},
                }
            ]
        ),
        ["grid.ema_overwrite_frequency"],
    ),
    (
        "a grid value that is a list",
        one_experiment(optimizers=[{"name": "Muon", "grid": {"exclude_layers": [["a b"]]}}]),
        ["optimizers[0]", "safe folder name for a run"],
    ),
    # 4: names with a newline, and folders outside the repository.
    (
        "publish name with a newline and ..",
        with_(
            one_experiment(),
            publish={
                "dir": "docs/images",
                "files": {"x\n/../../../outside.png": "e1/sgd/loss.png"},
            },
        ),
        ["publish.files.x\\n/../../../outside.png", "without '..'"],
    ),
    (
        "experiment name ending in a newline",
        {
            "experiments": {"e1\n": {"epochs": 5, "optimizers": ["SGD"]}},
            "data": default_config()["data"],
        },
        ["experiments.e1\\n", "no newline"],
    ),
    (
        "label ending in a newline",
        one_experiment(optimizers=[{"name": "SGD", "label": "sgd\n"}]),
        ["optimizers[0]", "'sgd\\n'"],
    ),
    (
        "results_dir ending in a newline",
        with_(one_experiment(), results_dir="results\n"),
        ["results_dir"],
    ),
    ("results_dir absolute", with_(one_experiment(), results_dir="/tmp/results"), ["results_dir"]),
    (
        "publish.dir above the repository",
        with_(one_experiment(), publish={"dir": "../../elsewhere", "files": {}}),
        ["publish.dir", "'../../elsewhere'"],
    ),
    (
        "publish.dir absolute",
        with_(one_experiment(), publish={"dir": "/etc", "files": {}}),
        ["publish.dir", "'/etc'"],
    ),
    # Folders of the workflow itself: a result or a published file could replace
    # its code or its config.
    (
        "results_dir in workflow/",
        with_(one_experiment(), results_dir="workflow/rules"),
        ["'results_dir' = 'workflow/rules' is inside workflow/"],
    ),
    (
        "results_dir in docs/",
        with_(one_experiment(), results_dir="docs"),
        ["'results_dir' = 'docs' is inside docs/"],
    ),
    (
        "publishing over the config",
        with_(
            one_experiment(), publish={"dir": "config", "files": {"config.yaml": "e1/tuned.yaml"}}
        ),
        ["'publish.dir' = 'config' is inside config/"],
    ),
    (
        "publishing over the code, the suffix changed",
        with_(one_experiment(), publish={"dir": "docs", "files": {"conf.py": "e1/summary.csv"}}),
        ["publish.files.conf.py", "keeps its result's suffix (.csv)"],
    ),
    (
        "publishing under a dark variant's name",
        with_(
            one_experiment(), publish={"dir": "docs/images", "files": {"a.dark.png": "e1/loss.png"}}
        ),
        ["'publish.files.a.dark.png'", "the dark variant that the workflow publishes"],
    ),
    (
        "publishing into the results",
        with_(
            one_experiment(), publish={"dir": "results/e1", "files": {"x.csv": "e1/summary.csv"}}
        ),
        ["overlap"],
    ),
    # 5: sizes that exhausted the machine before any message.
    (
        "alias bomb in epochs",
        one_experiment(epochs=alias_bomb()),
        ["more than 20,000 values", "experiments.e1.epochs"],
    ),
    (
        "alias bomb in a grid",
        one_experiment(optimizers=[{"name": "SGD", "grid": {"learning_rate": alias_bomb()}}]),
        ["more than 20,000 values", "grid.learning_rate"],
    ),
    (
        "alias bomb in a free-form argument",
        one_experiment(optimizers=[{"name": "Muon", "exclude_layers": alias_bomb()}]),
        ["more than 20,000 values", "exclude_layers"],
    ),
    ("deep nesting", one_experiment(epochs=nested(5000)), ["experiments.e1.epochs", "32 levels"]),
    (
        "10^8 epochs",
        one_experiment(epochs=100_000_000),
        ["experiments.e1.epochs", "at most 1,000,000"],
    ),
    (
        "10^9 epochs, a frame every 10^6",
        with_(one_experiment(epochs=10**9), frames={"every": 10**6}),
        ["experiments.e1.epochs", "at most 1,000,000"],
    ),
    (
        "a frame every epoch of 10^6",
        with_(one_experiment(epochs=10**6), frames={"every": 1}),
        ["experiments.e1", "max_frames"],
    ),
    (
        "20,000 samples",
        with_(one_experiment(), data={"x": [[1.0]] * 20_000, "y": [[0.0]] * 20_000}),
        ["has 20,000 items, more than 1,000"],
    ),
    (
        "10^4 units",
        with_(one_experiment(), init={"seed": 0}, data={"x": [[1.0]], "y": [[0.0] * 10_000]}),
        ["data.y[0]", "has 10,000 items, more than 1,000"],
    ),
    (
        "a million recorded outputs per run",
        with_(
            one_experiment(epochs=1_000_000),
            init={"seed": 0},
            data={"x": [[1.0]] * 100, "y": [[0.0] * 10] * 100},
            frames={"every": 1000},
        ),
        ["would record 1,021,001,021 numbers per run", "more than 25,000,000"],
    ),
    (
        "histories of 10^9 numbers in all",
        with_(
            one_experiment(epochs=1_000_000, seeds={"count": 100}, optimizers=["SGD"]),
            init={"seed": 0},
            frames={"every": 1000},
        ),
        ["would record", "more than 250,000,000"],
    ),
    (
        "a long text",
        one_experiment(optimizers=[{"name": "SGD", "label": "a" * 100_000}]),
        ["100,000 characters"],
    ),
    ("a key that is a number", with_(one_experiment()) | {1: 2}, ["keys must be text"]),
    ("a date", one_experiment(epochs=datetime.date(2020, 1, 1)), ["experiments.e1.epochs", "date"]),
    # Also found: values a job failed on.
    (
        "momentum 2",
        one_experiment(optimizers=[{"name": "SGD", "momentum": 2.0}]),
        ["optimizers[0].momentum", "[0, 1]"],
    ),
    (
        "beta_1 of 1",
        one_experiment(optimizers=[{"name": "Adam", "beta_1": 1}]),
        ["optimizers[0].beta_1"],
    ),
    (
        "Lion's beta_1 of 0",
        one_experiment(optimizers=[{"name": "Lion", "beta_1": 0.0}]),
        ["optimizers[0].beta_1", "(0, 1]"],
    ),
    (
        "negative learning rate",
        one_experiment(optimizers=[{"name": "SGD", "learning_rate": -1}]),
        ["learning_rate"],
    ),
    (
        "gradient accumulation of 1",
        one_experiment(optimizers=[{"name": "SGD", "gradient_accumulation_steps": 1}]),
        ["gradient_accumulation_steps"],
    ),
    (
        "two ways of clipping",
        one_experiment(optimizers=[{"name": "SGD", "clipnorm": 1.0, "global_clipnorm": 1.0}]),
        ["clipnorm and global_clipnorm"],
    ),
    (
        "a serialized schedule (it names classes to import)",
        one_experiment(
            optimizers=[
                {
                    "name": "SGD",
                    "learning_rate": {
                        "module": "os",
                        "class_name": "system",
                        "config": {"command": "touch " + MARKER},
                    },
                }
            ]
        ),
        ["optimizers[0].learning_rate", "without 'schedule'", "is never loaded"],
    ),
    (
        "infinite ylim",
        with_(one_experiment(), frames={"ylim": [-INF, INF]}),
        ["frames.ylim[", "finite"],
    ),
    (
        "NaN in the data",
        with_(one_experiment(), data={"x": [[1.0]], "y": [[float("nan"), 0, 0]]}),
        ["data.y[0][0]", "finite"],
    ),
    (
        "a minute-long frame times 10^6",
        with_(one_experiment(), frames={"duration_ms": 10**12}),
        ["frames.duration_ms", "at most 60,000"],
    ),
    (
        "a target of 1e39",
        with_(one_experiment(), data={"x": [[1.0]], "y": [[1e39, 0.0, 0.0]]}),
        ["data.y[0][0]", "at most 1,000,000"],
    ),
    (
        "an infinite domain",
        landscape({"formula": "x*y", "domain": [[-INF, 1], [0, 1]], "start": [0, 0]}),
        ["function.domain[0][0]", "finite"],
    ),
    (
        "an infinite condition",
        landscape({"name": "quadratic", "condition": INF}),
        ["function.condition", "finite"],
    ),
    (
        "a 400-digit constant",
        landscape({"formula": "x*y + " + "9" * 400, "domain": [[0, 1], [0, 1]], "start": [0, 0]}),
        ["function.formula", "larger than"],
    ),
    # Issue 43: a comment passed the formula's parser unseen, then reached the
    # report's <script> and matplotlib's mathtext.
    (
        "script in a formula's comment",
        landscape(
            {
                "formula": "x**2 + y**2  # </script><script>window.__pwned=1</script>",
                "domain": [[-1, 1], [-1, 1]],
                "start": [0.5, 0.5],
            }
        ),
        ["function.formula", "character 14, '#', is not allowed in a formula", "comment"],
    ),
    (
        "mathtext in a formula's comment",
        landscape({"formula": "x*y # $\\frac{$", "domain": [[0, 1], [0, 1]], "start": [0, 0]}),
        ["function.formula", "'#'"],
    ),
    (
        "a memory limit of 10^9 megapixels",
        with_(one_experiment(), animation={"max_megapixels": 10**9}),
        ["animation.max_megapixels", "at most 2,000"],
    ),
    ("a seed past 32 bits", one_experiment(seeds=[2**40]), ["seeds"]),
    ("a million seeds", one_experiment(seeds={"count": 10**6}), ["seeds"]),
    ("10^7 max_runs", with_(one_experiment(), max_runs=10**7), ["max_runs", "at most 100,000"]),
]
