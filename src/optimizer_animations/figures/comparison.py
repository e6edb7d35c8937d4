"""The standard figures of a tuned comparison, beside sensitivity.png:

- `time_to_target.png` (per tuned experiment): epochs (steps) to reach the
  target, a box per optimizer over its seeds, the runs that never reach it
  counted and drawn above the boxes;
- `profile.png` (across tuned experiments): Dolan and More's performance
  profile of the chosen settings' median objectives.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from optimizer_animations.figures.facets import draw_facets
from optimizer_animations.figures.style import (
    SMALL_FONT_SIZE,
    WARNING_COLOUR,
    entry_colours,
    save_figure,
    series_colour,
    set_pixel_scale,
    theme,
    themes_to_draw,
    use_page_style,
)
from optimizer_animations.files import log_to
from optimizer_animations.problems.problem import MINIMUM_TOLERANCE, build_problem
from optimizer_animations.records.meta import FUNCTION
from optimizer_animations.records.run_table import RunTable
from optimizer_animations.tuning.protocol import (
    chosen_rates,
    objective_values,
    objectives_by_rate,
    performance_profile,
    read_tuning_csv,
    time_target,
)

# Objectives below this are float32 rounding, not a difference between
# optimizers: the profile compares costs no smaller than it.
PROFILE_FLOOR = 1e-12


@dataclass(frozen=True)
class TimesToTarget:
    """One optimizer entry's epochs to the target, over its runs."""

    title: str
    reached: list[int]  # the epochs of the runs that reached it
    never: int  # runs that never did


def first_reach(losses: np.ndarray, target: float) -> list[int | None]:
    """Each curve's first epoch with a loss at most `target` (None: never), (R, E+1)."""
    epochs = objective_values(losses, "epochs_to_target", target)
    return [None if math.isinf(epoch) else int(epoch) for epoch in epochs]


def times_to_target(table: RunTable, target: float) -> list[TimesToTarget]:
    """Per optimizer entry, in table order, its runs' epochs to `target`."""
    titles: dict[str, str] = {}
    reached: dict[str, list[int]] = defaultdict(list)
    never: Counter[str] = Counter()
    for row, epoch in zip(table.rows, first_reach(table.losses, target), strict=True):
        titles.setdefault(row["family"], row["title"])
        if epoch is None:
            never[row["family"]] += 1
        else:
            reached[row["family"]].append(epoch)
    return [
        TimesToTarget(title, reached[family], never[family]) for family, title in titles.items()
    ]


def plot_time_to_target(
    entries: Sequence[TimesToTarget], path: str | Path, target_text: str, unit: str = "Epochs"
) -> None:
    """A box per entry over its runs' epochs to the target; the runs that
    never reached it are counted on a row above the axis's epochs."""
    use_page_style()
    figure, axes = plt.subplots(figsize=(max(7.5, 0.55 * len(entries) + 2.5), 4.8))
    positions = np.arange(1, len(entries) + 1)
    reached = [entry.reached for entry in entries]
    top = max([max(r) for r in reached if r] or [1])
    never_at = top * 1.12 + 1
    for position, entry in zip(positions, entries, strict=True):
        if entry.reached:
            axes.boxplot(
                [entry.reached],
                positions=[position],
                widths=0.6,
                showfliers=False,  # every run is drawn as a dot
                medianprops={"color": theme().foreground},
            )
            axes.plot(
                np.full(len(entry.reached), position),
                entry.reached,
                "o",
                markersize=3,
                color=series_colour(0),
                alpha=0.5,
            )
        runs = len(entry.reached) + entry.never
        if entry.never:
            axes.plot(position, never_at, "x", color=WARNING_COLOUR, markersize=8)
            axes.annotate(
                f"{entry.never}/{runs}",
                (position, never_at),
                textcoords="offset points",
                xytext=(0, 7),
                ha="center",
                fontsize=SMALL_FONT_SIZE,
                color=WARNING_COLOUR,
            )
    axes.axhline(top * 1.06 + 0.5, color=theme().context, linewidth=0.8, linestyle="--")
    axes.set_ylim(-0.02 * never_at, never_at * 1.22)  # room for the counts above the crosses
    ticks = [tick for tick in axes.get_yticks() if 0 <= tick <= top * 1.05]
    axes.set_yticks([*ticks, never_at], [f"{tick:g}" for tick in ticks] + ["never"])
    axes.set_xticks(positions, [entry.title for entry in entries], rotation=35, ha="right")
    axes.set_xlim(0.3, len(entries) + 0.7)
    axes.set_ylabel(f"{unit} to {target_text}")
    axes.set_title("Time to target per optimizer (x: runs that never reached it)")
    figure.tight_layout()
    save_figure(figure, path)
    plt.close(figure)


def chosen_costs(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Each entry's cost on an experiment: the median objective over its
    seeds at its chosen learning rate (infinity: failed)."""
    by_rate = objectives_by_rate(rows)
    return {
        family: float(np.median(by_rate[family][rate]))
        for family, (rate, _) in chosen_rates(rows).items()
    }


def profile_costs(tables: Mapping[str, Sequence[dict[str, Any]]]) -> dict[str, dict[str, float]]:
    """Experiment -> entry -> cost, floored at PROFILE_FLOOR."""
    return {
        experiment: {
            family: cost if math.isinf(cost) else max(cost, PROFILE_FLOOR)
            for family, cost in chosen_costs(rows).items()
        }
        for experiment, rows in tables.items()
    }


def plot_profile(costs: Mapping[str, Mapping[str, float]], path: str | Path) -> None:
    """The share of experiments on which each entry is within a factor tau of
    the best, against tau (log); each entry over the experiments it ran on."""
    use_page_style()
    finite = [
        cost / min(c for c in row.values() if math.isfinite(c))
        for row in costs.values()
        for cost in row.values()
        if math.isfinite(cost)
    ]
    high = max(10.0, 2 * max(finite or [10.0]))
    taus = np.geomspace(1.0, high, 400)
    profile = performance_profile(costs, taus)
    names = list(profile)
    colours = entry_colours(names)

    def title(name: str) -> str:
        return f"{name} ({sum(name in row for row in costs.values())})"

    def draw(axes: Any, name: str, colour: str, highlighted: bool) -> None:
        axes.step(
            taus,
            profile[name],
            where="post",
            color=colour,
            label=title(name) if highlighted else None,
            linewidth=1.5 if highlighted else 1.0,
        )

    facets = draw_facets(names, [colours[n] for n in names], draw, title, (7.5, 4.5))
    for axes in facets.axes:
        axes.set_xscale("log")
        axes.set_ylim(-0.03, 1.03)
    heading = f"Performance profile over {len(costs)} tuned experiments"
    facets.finish(
        path,
        "tau (times the best cost)"
        if facets.faceted
        else "tau: within this factor of the best cost",
        "Share of experiments",
        f"{heading}; each panel: one optimizer (experiments), over the others in grey",
        title=heading,
        legend={"title": "optimizer (experiments)", "title_fontsize": SMALL_FONT_SIZE},
    )


def main_time_to_target(smk: Any) -> None:
    log = log_to(smk.log[0])
    table = RunTable.load(smk.input.run_table)
    spec = smk.params.problem  # the page's model's target is the tuning's: no samples read
    target = time_target(
        build_problem(spec) if spec["kind"] == FUNCTION else None, smk.params.tuning
    )
    assert target is not None, "the plan gives this figure only to experiments with a target"
    if table.is_landscape():
        text, unit = f"f(minimum) + {MINIMUM_TOLERANCE:g}", "Steps"
    else:
        text, unit = f"a loss of {target:g}", "Epochs"
    entries = times_to_target(table, target)
    for target in themes_to_draw(smk.output.dark):
        if to := target(smk.output.figure):
            plot_time_to_target(entries, to, text, unit)
    log.info(
        "%d entries; %d runs never reached %g", len(entries), sum(e.never for e in entries), target
    )


def main_profile(smk: Any) -> None:
    log = log_to(smk.log[0])
    tables = {
        experiment: read_tuning_csv(path)
        for experiment, path in zip(smk.params.experiments, smk.input.tuning, strict=True)
    }
    for target in themes_to_draw(smk.output.dark):
        if to := target(smk.output.figure):
            plot_profile(profile_costs(tables), to)
    log.info("profile over %d experiments", len(tables))


def main(smk: Any) -> None:
    """The time-to-target and profile jobs, by `params.figure`."""
    set_pixel_scale(smk.params.scale)
    {"time_to_target": main_time_to_target, "profile": main_profile}[smk.params.figure](smk)
