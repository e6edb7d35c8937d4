"""An experiment's explorer: `results/<experiment>/explorer.html`, one page
that stands alone (no server, no network, works from `file://`) and lets a
reader move through every trial of a grid: a slider per grid argument, a
seed, the optimizers to show, and a step scrubber with play/pause.

Everything it draws is a recorded number: each trial's positions and losses
come from the trial table (records/trials.py) as float32, base64-encoded in
a JSON block that the page parses (never evaluates); the page's model is
drawn on the principal plane of all its trials' movement, whose origin and
basis the data carries, so that anyone can project the recorded weights
again. The page's script (static/oa-explorer.js) is a small canvas module,
chosen over Plotly and Vega-Lite by measurement: it is 17.7 kB (5 kB
gzipped), where Plotly 7.1's `plotly.min.js` alone is 4.8 MB (1.47 MB
gzipped, the whole budget of a page) and Vega 6.4, Vega-Lite 6.4 and
vega-embed 7.3 together 0.83 MB (0.28 MB gzipped); both would also take
the data as JSON numbers, about three times the bytes of base64 float32.
benchmarks/explorer_benchmark.py measures the pages.

The drawn state is readable: `window.optimizerAnimations.explorer` has
`state()` (the selection), `drawn()` (every shown optimizer's points up to
the current step, exactly as drawn), `numbers()` (the table's values) and
`tuned` (each entry's chosen learning rate, as tuned.yaml has it).
"""

import base64
import io
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from optimizer_animations.files import log_to
from optimizer_animations.problems.planes import principal_plane
from optimizer_animations.problems.problem import FunctionProblem, Problem, build_problem
from optimizer_animations.records.trials import NO_VALUE, TrialTable
from optimizer_animations.site.html import render_page
from optimizer_animations.site.pages import write_text
from optimizer_animations.site.player import asset_text
from optimizer_animations.tuning.protocol import load_tuned

# The view's background, in pixels: the contour with its axes.
BACKGROUND_SIZE = (560, 480)


def encoded(values: np.ndarray) -> str:
    """float32 values, little-endian, as base64 (what the page decodes)."""
    return base64.b64encode(np.ascontiguousarray(values, "<f4").tobytes()).decode("ascii")


def number(value: float) -> float | None:
    """A JSON number (a float32's exact value), None for NaN or infinity."""
    return float(value) if math.isfinite(value) else None


def view_positions(table: TrialTable) -> tuple[np.ndarray, dict[str, Any] | None]:
    """Each trial's drawn (x, y) per recorded step, float32, and the plane
    (None on a landscape, whose parameters are its x and y)."""
    if table.landscape:
        return table.params, None
    plane = principal_plane(list(table.params))
    positions = plane.project(table.params).astype(np.float32)
    return positions, {
        "origin": plane.origin.tolist(),
        "basis": plane.basis.tolist(),
        "axis_labels": list(plane.axis_labels),
        "description": plane.description,
    }


def view_domain(
    table: TrialTable, positions: np.ndarray, problem: Problem
) -> tuple[tuple[float, float], tuple[float, float]]:
    if isinstance(problem, FunctionProblem):
        (x0, x1), (y0, y1) = problem.landscape.domain
        return (float(x0), float(x1)), (float(y0), float(y1))
    from optimizer_animations.figures.trajectories import plane_domain

    steady = [xy for xy, bad in zip(positions, table.diverged_at, strict=True) if bad == NO_VALUE]
    (x0, x1), (y0, y1) = plane_domain(steady or list(positions[:, :2]))
    return (x0, x1), (y0, y1)


def background(
    problem: Problem,
    domain: tuple[tuple[float, float], tuple[float, float]],
    plane: dict[str, Any] | None,
) -> dict[str, Any]:
    """The contour of the loss over `domain` with its axes, as a PNG data URI,
    and where the axes are in it (left, top, width, height in pixels)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from optimizer_animations.figures.style import PNG_METADATA, use_page_style
    from optimizer_animations.figures.trajectories import Surface, contour_levels, fill_contour

    use_page_style()
    if plane is None:
        surface = Surface.sample(problem.loss_numpy, domain)
        labels = ("x", "y")
    else:
        origin, basis = np.array(plane["origin"]), np.array(plane["basis"])
        surface = Surface.sample(lambda grid: problem.loss_numpy(origin + grid @ basis), domain)
        labels = tuple(plane["axis_labels"])
    width, height = BACKGROUND_SIZE
    figure = plt.figure(figsize=(width / 100, height / 100), dpi=100)
    axes = figure.add_axes((0.13, 0.11, 0.84, 0.85))
    levels, logarithmic = contour_levels(surface.loss)
    fill_contour(axes, surface, levels, logarithmic)
    if isinstance(problem, FunctionProblem):
        minima = np.array(problem.landscape.minima, float).reshape(-1, 2)
        axes.plot(*minima.T, marker="*", markersize=11, color="#222", linestyle="none")
    axes.set_xlim(*domain[0])
    axes.set_ylim(*domain[1])
    axes.set_xlabel(labels[0], fontsize=10)
    axes.set_ylabel(labels[1], fontsize=10)
    axes.tick_params(labelsize=9)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata=PNG_METADATA)
    box = axes.get_window_extent()
    plt.close(figure)
    return {
        "image": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"),
        "size": [width, height],
        # The axes in the image's pixels, from its top-left corner.
        "box": [box.x0, height - box.y1, box.width, box.height],
        "x": list(domain[0]),
        "y": list(domain[1]),
        "logarithmic": bool(logarithmic),
    }


def slider_values(table: TrialTable) -> list[dict[str, Any]]:
    """Each grid argument's values in order, log-spaced where they are all
    positive and span more than a decade."""
    sliders = []
    for column, name in enumerate(table.arguments):
        values = np.unique(table.points[:, column][~np.isnan(table.points[:, column])])
        positive = bool((values > 0).all())
        sliders.append(
            {
                "name": name,
                "values": values.tolist(),
                "log": bool(positive and len(values) > 1 and values[-1] / values[0] > 10),
            }
        )
    return sliders


def explorer_data(
    table: TrialTable,
    problem: Problem,
    experiment: str,
    tuned: dict[str, float] | None,
    colours: dict[str, str],
) -> dict[str, Any]:
    """What the page holds: its JSON block."""
    positions, plane = view_positions(table)
    domain = view_domain(table, positions, problem)
    sliders = slider_values(table)
    point_index = np.full(table.points.shape, NO_VALUE, np.int64)
    for column, slider in enumerate(sliders):
        values = np.array(slider["values"])
        known = ~np.isnan(table.points[:, column])
        point_index[known, column] = np.searchsorted(values, table.points[known, column])
    seeds = sorted({int(seed) for seed in table.seed})
    landscape = table.landscape
    return {
        "experiment": experiment,
        "landscape": landscape,
        "step_label": "step" if landscape else "epoch",
        "families": [
            {"name": family, "title": title, "colour": colours[family]}
            for family, title in zip(table.families, table.titles, strict=True)
        ],
        "sliders": sliders,
        "seeds": [None if seed == NO_VALUE else seed for seed in seeds],
        "steps": table.steps.tolist(),
        "trials": {
            "family": table.family.tolist(),
            "point": point_index.tolist(),
            "seed": [seeds.index(int(seed)) for seed in table.seed],
            "final_loss": [number(v) for v in table.loss[:, -1]],
            "diverged_at": [None if v == NO_VALUE else int(v) for v in table.diverged_at],
            "reached_at": [None if v == NO_VALUE else int(v) for v in table.reached_at],
            "distance": [number(v) for v in table.distance],
        },
        "reached_words": "steps to the minimum" if landscape else "epochs to the target",
        "positions": encoded(positions),
        "loss": encoded(table.loss),
        "plane": plane,
        "view": background(problem, domain, plane),
        "tuned": tuned,
    }


def script_json(data: dict[str, Any]) -> str:
    """`data` as JSON that a `<script type="application/json">` holds
    verbatim: `<`, `>` and `&` escaped, so that no text of a config can
    close the element."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def explorer_page(data: dict[str, Any], description: str) -> str:
    return render_page(
        "explorer.html",
        title=f"{data['experiment']}: explorer",
        description=description,
        explorer=data,
        data=script_json(data),
        inline={"css": asset_text("oa-explorer.css"), "js": asset_text("oa-explorer.js")},
    )


def description_of(data: dict[str, Any], table: TrialTable) -> str:
    trials = len(table.family)
    grid = ", ".join(
        f"{len(s['values'])} values of {s['name'].replace('_', ' ')}" for s in data["sliders"]
    )
    seeds = [seed for seed in data["seeds"] if seed is not None]
    every = int(table.steps[1] - table.steps[0]) if len(table.steps) > 2 else 1
    recorded = f"; every {every}th {data['step_label']} recorded" if every > 1 else ""
    return (
        f"{trials} trials: {len(table.families)} optimizers x {grid}"
        + (f" x {len(seeds)} seeds" if seeds else "")
        + f", {int(table.steps[-1])} {data['step_label']}s each{recorded}."
    )


def write_explorer(
    path: str | Path,
    tables: Sequence[TrialTable],
    problem: Problem,
    experiment: str,
    families: Sequence[str],
    tuned: dict[str, float] | None = None,
) -> dict[str, Any]:
    from optimizer_animations.figures.style import entry_colours

    table = TrialTable.join(tables)
    data = explorer_data(table, problem, experiment, tuned, entry_colours(families))
    write_text(path, explorer_page(data, description_of(data, table)))
    return data


def main(smk: Any) -> None:
    log = log_to(smk.log[0])
    problem = build_problem(smk.params.problem, getattr(smk.input, "data", None))
    if smk.input.get("trials"):
        tables = [TrialTable.load(path) for path in smk.input.trials]
    else:
        from optimizer_animations.records.history import load_history

        histories = [load_history(path) for path in smk.input.histories]
        tables = [TrialTable.of(histories, smk.params.explorer_stride)]
    tuned = load_tuned(smk.input.tuned) if smk.input.get("tuned") else None
    data = write_explorer(
        smk.output.explorer, tables, problem, smk.params.experiment, smk.params.families, tuned
    )
    log.info(
        "explorer of %d trials, %d recorded steps: %s",
        len(data["trials"]["family"]),
        len(data["steps"]),
        smk.output.explorer,
    )
