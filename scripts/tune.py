"""The tuning job of an experiment: train every trial (each optimizer entry at
each grid learning rate from each seed), keep no history file, and write

- `tuning.csv`: one row per trial (optimizer, learning rate, seed, objective,
  final loss, diverged);
- `tuned.yaml`: the chosen learning rate of each entry, as optimizer entries
  that can be pasted into a config; the experiment's training reads it.
"""

import csv
import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from aggregate import landscape_fields
from common import History, atomic_output, log_to
from tuning import choose, landscape_objective, objective_values

TUNING_COLUMNS = ["optimizer", "learning_rate", "seed", "objective", "final_loss", "diverged"]


def trial_objectives(histories: Sequence[History], tuning: dict[str, Any]) -> np.ndarray:
    """Each trial's objective, lower is better (infinity: failed)."""
    if tuning["objective"] == "final_distance":
        fields = [landscape_fields(history) for history in histories]
        return np.array(
            [landscape_objective(f["distance_to_minimum"], f["left_domain_at"]) for f in fields]
        )
    losses = np.stack([history.loss for history in histories])
    return objective_values(losses, tuning["objective"], tuning["target"])


def tuning_rows(
    trials: Sequence[dict[str, Any]], histories: Sequence[History], values: np.ndarray
) -> list[dict[str, Any]]:
    rows = [
        {
            "optimizer": trial["family"],
            "learning_rate": trial["arguments"]["learning_rate"],
            "seed": trial["seed"],
            "objective": float(value),
            "final_loss": float(history.loss[-1]),
            "diverged": history.first_non_finite_epoch() is not None,
        }
        for trial, history, value in zip(trials, histories, values, strict=True)
    ]
    order = {family: i for i, family in enumerate(dict.fromkeys(r["optimizer"] for r in rows))}
    return sorted(rows, key=lambda r: (order[r["optimizer"]], r["learning_rate"], r["seed"] or 0))


def chosen_rates(rows: Sequence[dict[str, Any]]) -> dict[str, tuple[float, int]]:
    """Entry label -> (chosen learning rate, grid points)."""
    values: dict[str, dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        values[row["optimizer"]][row["learning_rate"]].append(row["objective"])
    chosen = {}
    for family, by_rate in values.items():
        rates = sorted(by_rate)
        index = choose(rates, np.array([by_rate[rate] for rate in rates]))
        chosen[family] = (rates[index], len(rates))
    return chosen


def write_tuning_csv(rows: Sequence[dict[str, Any]], path: str | Path) -> None:
    with atomic_output(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=TUNING_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    **row,
                    "learning_rate": repr(row["learning_rate"]),
                    "seed": "" if row["seed"] is None else row["seed"],
                    "objective": "inf" if math.isinf(row["objective"]) else repr(row["objective"]),
                    "final_loss": repr(row["final_loss"]),
                    "diverged": "yes" if row["diverged"] else "no",
                }
            )


def tuned_entries(
    trials: Sequence[dict[str, Any]], chosen: dict[str, tuple[float, int]]
) -> list[dict[str, Any]]:
    """Each entry with its chosen learning rate, as a config's optimizer entry."""
    entries: dict[str, dict[str, Any]] = {}
    for trial in trials:
        family = trial["family"]
        if family not in entries:
            fixed = {k: v for k, v in trial["arguments"].items() if k != "learning_rate"}
            entries[family] = {
                "name": trial["optimizer"],
                "label": family,
                **fixed,
                "learning_rate": chosen[family][0],
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
        f"# Chosen by experiment {experiment}'s tune: for each optimizer entry, the best"
        f" median {tuning['objective']}\n# over {max(1, len(seeds))} seed(s) among"
        f" {grid['points']} learning rates from {grid['min']!r} to {grid['max']!r}"
        " (log-spaced).\n"
    )
    document = {"optimizers": entries, **({"seeds": seeds} if seeds else {})}
    with atomic_output(path) as tmp:
        Path(tmp).write_text(
            header + yaml.safe_dump(document, sort_keys=False, default_flow_style=None),
            encoding="utf-8",
        )


def main(smk: Any) -> None:
    log = log_to(smk.log[0])
    import train  # TensorFlow: only inside the job
    from problems import build_problem

    train.configure_threads(smk.threads)
    trials, tuning = smk.params.trials, smk.params.tuning
    histories = train.train_experiment(
        smk.params.experiment, trials, smk.params.epochs, build_problem(smk.params.problem)
    )
    rows = tuning_rows(trials, histories, trial_objectives(histories, tuning))
    chosen = chosen_rates(rows)
    write_tuning_csv(rows, smk.output.tuning)
    write_tuned_yaml(smk.params.experiment, tuned_entries(trials, chosen), tuning, smk.output.tuned)
    for family, (rate, points) in chosen.items():
        log.info("%s: learning rate %.3g, best of %d", family, rate, points)


if "snakemake" in globals():
    main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
