"""A tuned experiment's jobs.

- `tune_<experiment>` (one job, or one per `tune.optimizers_per_job` entries):
  trains every trial of its entries (each setting of an entry's grid at
  each grid learning rate from each seed), chooses each setting's rate
  (an entry without a grid is one setting), writes the chosen trials as the
  experiment's runs (`history.npz`: a chosen trial is the run) and its rows
  of the trial table. No file per trial.
- `tuning_table_<experiment>`: joins the jobs' rows into `tuning.csv` and
  writes `tuned.yaml`, the chosen settings as optimizer entries that can be
  pasted into a config.
"""

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from optimizer_animations.files import atomic_output, log_to
from optimizer_animations.problems.problem import FunctionProblem, problem_from_meta
from optimizer_animations.records.history import History, save_history
from optimizer_animations.records.run import Run
from optimizer_animations.records.run_table import landscape_fields
from optimizer_animations.records.trials import TrialTable
from optimizer_animations.tuning.grid import LearningRateGrid
from optimizer_animations.tuning.protocol import (
    chosen_rates,
    landscape_objective,
    objective_values,
    rate_at,
    read_tuning_csv,
    row_setting,
    tuned_run,
    write_tuning_csv,
)


def tuning_trials(runs: Sequence[Run | dict[str, Any]], tuning: dict[str, Any]) -> list[Run]:
    """Each run at each grid learning rate: the trials, run by run."""
    grid = tuning["learning_rate_grid"]
    rates = LearningRateGrid(grid["min"], grid["max"], grid["points"]).rates()
    return [tuned_run(run, float(rate), tuning) for run in runs for rate in rates]


def trial_objectives(histories: Sequence[History], tuning: dict[str, Any]) -> np.ndarray:
    """Each trial's objective, lower is better (infinity: failed)."""
    if tuning["objective"] == "final_distance":
        fields = [landscape_fields(history) for history in histories]
        return np.array(
            [landscape_objective(f["distance_to_minimum"], f["left_domain_at"]) for f in fields]
        )
    if tuning["objective"] == "final_gap":
        problem = problem_from_meta(histories[0].run)
        assert isinstance(problem, FunctionProblem)
        lowest = problem.lowest_in_view
        return np.array(
            [
                landscape_objective(
                    float(history.loss[-1]) - lowest, landscape_fields(history)["left_domain_at"]
                )
                for history in histories
            ]
        )
    losses = np.stack([history.loss for history in histories])
    return objective_values(losses, tuning["objective"], tuning["target"])


def tuning_rows(
    trials: Sequence[Run], histories: Sequence[History], values: np.ndarray
) -> list[dict[str, Any]]:
    """tuning.csv's rows: per entry, per setting of its grid (config order),
    by learning rate and seed."""
    rows = [
        {
            "optimizer": trial.entry,
            **({"grid": dict(trial.grid)} if trial.grid else {}),
            "learning_rate": trial.peak_rate,
            "seed": trial.seed,
            "objective": float(value),
            "final_loss": float(history.loss[-1]),
            "diverged": history.first_non_finite_epoch() is not None,
        }
        for trial, history, value in zip(trials, histories, values, strict=True)
    ]
    order = {setting: i for i, setting in enumerate(dict.fromkeys(map(row_setting, rows)))}
    return sorted(rows, key=lambda r: (order[row_setting(r)], r["learning_rate"], r["seed"] or 0))


def chosen_trials(trials: Sequence[Run], chosen: dict[str, tuple[float, int]]) -> list[int]:
    """The index of each run's chosen trial, in run order."""
    return [
        index
        for index, trial in enumerate(trials)
        if trial.peak_rate == chosen[trial.setting or trial.label][0]
    ]


def tuned_entries(
    runs: Sequence[Run], chosen: dict[str, tuple[float, int]], record: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each setting with its chosen learning rate, as a config's optimizer
    entry (a gridded entry's settings become entries of their own, each
    labelled by its setting); `tuned:` records the tune section that chose
    it (legends say `best of 32`)."""
    entries: dict[str, dict[str, Any]] = {}
    for run in runs:
        setting = run.setting or run.label
        if setting not in entries:
            fixed = {k: v for k, v in run.arguments.items() if k != "learning_rate"}
            training = {"batch_size": run.batch_size, "shuffle": run.shuffle}
            entries[setting] = {
                "name": run.optimizer,
                "label": setting,
                **fixed,
                **(training if run.minibatch else {}),
                "learning_rate": rate_at(run.learning_rate, chosen[setting][0]),
                "tuned": copy.deepcopy(record),  # a mapping each, not YAML aliases
            }
    return list(entries.values())


def write_tuned_yaml(
    experiment: str,
    entries: list[dict[str, Any]],
    tuning: dict[str, Any],
    path: str | Path,
) -> None:
    grid = tuning["learning_rate_grid"]
    seeds = [seed for seed in tuning["seeds"] if seed is not None]
    header = (
        f"# Chosen by experiment {experiment}'s tune: for each optimizer entry (each setting"
        " of its grid), the best"
        f" median {tuning['objective']}\n# over {max(1, len(seeds))} seed(s) among"
        f" {grid['points']} learning rates from {grid['min']!r} to {grid['max']!r}"
        " (log-spaced).\n# Paste `optimizers` (and `seeds`) into an experiment to draw the"
        " same figures\n# without tuning again.\n"
    )
    document = {"optimizers": entries, **({"seeds": seeds} if seeds else {})}
    with atomic_output(path) as tmp:
        Path(tmp).write_text(
            header + yaml.safe_dump(document, sort_keys=False, default_flow_style=None),
            encoding="utf-8",
        )


def main_trials(smk: Any) -> None:
    log = log_to(smk.log[0])
    from optimizer_animations.problems.problem import build_problem
    from optimizer_animations.training import train

    train.configure_threads(smk.threads)
    tuning = smk.params.tuning
    runs = [Run.from_params(run, smk.params.experiment) for run in smk.params.runs]
    trials = tuning_trials(runs, tuning)
    histories = train.train_experiment(
        smk.params.experiment,
        trials,
        smk.params.epochs,
        build_problem(smk.params.problem, getattr(smk.input, "data", None)),
        record_state=smk.params.state,
    )
    rows = tuning_rows(trials, histories, trial_objectives(histories, tuning))
    chosen = chosen_rates(rows)
    for index, path in zip(chosen_trials(trials, chosen), smk.output.histories, strict=True):
        save_history(path, histories[index])
    write_tuning_csv(rows, smk.output.rows)
    if smk.output.get("trials"):
        stride, target = smk.params.explorer_stride, smk.params.explorer_target
        points = [{**trial.grid, "learning_rate": trial.peak_rate} for trial in trials]
        TrialTable.of(histories, stride, target, points).save(smk.output.trials[0])
    for setting, (rate, points) in chosen.items():
        log.info("%s: learning rate %.3g, best of %d", setting, rate, points)


def main_table(smk: Any) -> None:
    log_to(smk.log[0])
    rows = [row for part in smk.input.rows for row in read_tuning_csv(part)]
    write_tuning_csv(rows, smk.output.tuning)
    runs = [Run.from_params(run, smk.params.experiment) for run in smk.params.runs]
    entries = tuned_entries(runs, chosen_rates(rows), smk.params.record)
    write_tuned_yaml(smk.params.experiment, entries, smk.params.tuning, smk.output.tuned)


def main(smk: Any) -> None:
    """The tuning jobs (`params.step` trials) and the table job (`table`)."""
    {"trials": main_trials, "table": main_table}[smk.params.step](smk)
