"""The plan: what a checked config makes, decided once.

`build_plan(config)` checks the config and turns it into experiments (their
kind, runs, animated runs, training and tuning jobs, frame epochs) and the
figures each gets. The rules (workflow/rules/*.smk), the gallery, the
`publish:` check and the tests all read it, so an experiment's kind and its
figures are written down here only. A new figure kind is one entry in
EXPERIMENT_FIGURES or RUN_FIGURES (and the module that draws it).
"""

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optimizer_animations.config.check import (
    ConfigError,
    Tuning,
    animated_runs,
    check_config,
    experiment_tuning,
    frame_epochs,
    has_schedule,
    is_landscape,
    phase_arguments,
    records_state,
    sensitivity_argument,
    training_chunks,
    tuning_chunks,
)
from optimizer_animations.export.formats import (
    COMPANION_SUFFIXES,
    companion_paths,
    companions_by_role,
    dark_variant,
)
from optimizer_animations.problems.spec import (
    experiment_data,
    parameter_count,
    problem_spec,
    spec_landscape,
)
from optimizer_animations.records.layout import Figure, Layout
from optimizer_animations.records.meta import DENSE, FUNCTION
from optimizer_animations.records.run import Run
from optimizer_animations.site.player import ASSETS

# At most this many runs' frames per rendering job, so that a sweep's
# animations spread over the cores; the default config's three fit in one.
RUNS_PER_RENDER_JOB = 8


# (layout, experiment, run label) -> a path, or the paths that go with the figure
PathOf = Callable[[Layout, "ExperimentPlan", str], str]
PathsOf = Callable[[Layout, "ExperimentPlan", str], list[str]]


@dataclass(frozen=True)
class FigureKind:
    """An entry of the plan: which experiments get the figure, where it goes,
    and the files that come with it (its report page, its frames...). An
    animation's (a GIF's) videos and poster follow from animation.formats."""

    kind: str
    description: str
    applies: Callable[["ExperimentPlan"], bool]
    path: PathOf
    also: PathsOf = lambda layout, e, label: []


# The experiment's figures, in the order the gallery shows them. The
# comparison of a page's-model experiment is shown first and wide.
EXPERIMENT_FIGURES = (
    FigureKind(
        "comparison",
        "all optimizers",
        lambda e: not e.landscape,
        lambda layout, e, _: layout.comparison(e.name),
        lambda layout, e, _: [layout.comparison_page(e.name)],
    ),
    FigureKind(
        "trajectory",
        "every optimizer's path",
        lambda e: e.trajectories,
        lambda layout, e, _: layout.trajectory(e.name, e.landscape),
        lambda layout, e, _: [
            layout.trajectory(e.name, e.landscape, "png"),
            layout.trajectory(e.name, e.landscape, "html"),
        ],
    ),
    FigureKind(
        "panels",
        "one panel per optimizer",
        lambda e: e.trajectories and e.landscape,
        lambda layout, e, _: layout.panels(e.name),
    ),
    FigureKind(
        "surface",
        "the landscape in 3-D, every path on it",
        lambda e: e.trajectories and e.landscape,
        lambda layout, e, _: layout.surface(e.name),
        lambda layout, e, _: [layout.surface(e.name, "png")],
    ),
    FigureKind(
        "batch_sizes",
        "one panel per batch size",
        lambda e: e.compares_batch_sizes,
        lambda layout, e, _: layout.batch_sizes(e.name),
    ),
    FigureKind(
        "gradients",
        "each sample's gradient at the start, and their mean",
        lambda e: e.gradient_fan,
        lambda layout, e, _: layout.gradients(e.name),
    ),
    FigureKind(
        "anatomy",
        "one update of every optimizer zoomed in: its gradient, momentum and step",
        lambda e: bool(e.vectors),
        lambda layout, e, _: layout.anatomy(e.name),
    ),
    FigureKind(
        "step_sizes",
        "each coordinate's effective learning rate, per optimizer",
        lambda e: e.trajectories and e.landscape and e.records_state,
        lambda layout, e, _: layout.step_sizes(e.name),
    ),
    FigureKind(
        "loss_plot",
        "loss of every optimizer",
        lambda e: True,
        lambda layout, e, _: layout.loss_plot(e.name),
    ),
    FigureKind(
        "learning_rate",
        "the learning rate of every run against the update",
        lambda e: e.has_schedule and e.records_state,
        lambda layout, e, _: layout.learning_rate_plot(e.name),
    ),
    FigureKind(
        "sensitivity",
        "final loss against learning rate",
        lambda e: e.has_sensitivity,
        lambda layout, e, _: layout.sensitivity(e.name),
    ),
    FigureKind(
        "phase",
        "median result over two numeric arguments, per optimizer",
        lambda e: e.phase is not None,
        lambda layout, e, _: layout.phase(e.name),
    ),
    FigureKind(
        "time_to_target",
        "time to the target, a box per optimizer",
        lambda e: e.has_time_target,
        lambda layout, e, _: layout.time_to_target(e.name),
    ),
)
# Each animated run's own figures (a landscape's runs share the experiment's).
RUN_FIGURES = (
    FigureKind(
        "animation",
        "outputs per epoch",
        lambda e: not e.landscape,
        lambda layout, e, label: layout.animation(e.name, label),
        lambda layout, e, label: [
            layout.animation_page(e.name, label),
            *(layout.frame(e.name, label, epoch) for epoch in e.frame_epochs),
        ],
    ),
    FigureKind(
        "run_loss_plot",
        "loss",
        lambda e: not e.landscape,
        lambda layout, e, label: layout.run_loss_plot(e.name, label),
        lambda layout, e, label: [layout.run_caption(e.name, label)],
    ),
)
PROFILE = FigureKind(
    "profile",
    "performance profile across the tuned experiments",
    lambda e: True,
    lambda layout, e, _: layout.profile(),
)


@dataclass(frozen=True)
class ExperimentPlan:
    """One experiment of the config: what it trains and which files it makes."""

    name: str
    kind: str  # DENSE (the page's model) or FUNCTION (a landscape), as problems name them
    epochs: int
    runs: tuple[Run, ...]
    animated: tuple[Run, ...]  # the runs with frames, GIFs and their own loss plot
    frame_epochs: tuple[int, ...]
    problem: dict[str, Any]  # problem_spec: what the training and figure jobs rebuild
    tuning: Tuning | None
    tune_record: dict[str, Any] | None  # the tune section that tuned.yaml records
    sensitivity: str | None  # the grid argument of plot_losses' sensitivity plot
    trajectories: bool  # two parameters at least: a paths figure
    has_time_target: bool  # whether time_to_target.png has a target to count the time to
    training_chunks: tuple[tuple[Run, ...], ...] = ()  # runs per training job
    tuning_chunks: tuple[tuple[Run, ...], ...] = ()  # runs per tuning job
    trajectory_axes: Any = None
    # Its `generate:` spec, whose samples a job writes to data.csv first (None: none).
    generator: dict[str, Any] | None = None
    explorer: bool = False  # explorer.html, over every run or tuning trial
    records_state: bool = False  # histories hold the optimizer's inside (training/state.py)
    vectors: tuple[str, ...] = ()  # each step's vectors on the paths' frames (figures/inside.py)
    anatomy_step: int = 1  # the update that anatomy.png zooms in on (1: the first)
    phase: tuple[str, str] | None = None  # the two numeric arguments of phase.png
    has_schedule: bool = False  # an entry's learning rate is a schedule: learning_rate.png
    explorer_stride: int = 1  # every how many steps its paths are recorded

    @property
    def trial_count(self) -> int:
        """Runs, or a tuned experiment's trials: what an explorer moves through."""
        if self.tuning is None:
            return len(self.runs)
        return len(self.runs) * self.tuning.grid.points * len(self.tuning.seeds)

    @property
    def landscape(self) -> bool:
        return self.kind == FUNCTION

    @property
    def generates_data(self) -> bool:
        return self.generator is not None

    @property
    def has_sensitivity(self) -> bool:
        """A sensitivity.png: from a numeric grid (plot_losses) or the tuning."""
        return self.sensitivity is not None or self.tuning is not None

    @property
    def labels(self) -> list[str]:
        return [run.label for run in self.runs]

    @property
    def families(self) -> list[str]:
        """The optimizer entries' labels in config order (a tuned experiment's
        settings: each has a rate of its own): the order of the series
        colours in every figure of the experiment (figures/style.py)."""
        return list(dict.fromkeys(run.family or run.label for run in self.runs))

    @property
    def entries(self) -> list[str]:
        """The optimizer entries' labels in config order: `families`, but a
        tuned entry's settings as one entry (the explorer's sliders)."""
        return list(dict.fromkeys(run.entry for run in self.runs))

    @property
    def animated_labels(self) -> list[str]:
        return [run.label for run in self.animated]

    @property
    def seed_cloud(self) -> bool:
        """Whether the paths figure draws every seed's path faintly around
        each animated run: a landscape's runs under gradient noise."""
        return self.landscape and "noise" in self.problem and len(self.runs) > len(self.animated)

    @property
    def compares_batch_sizes(self) -> bool:
        """Whether an optimizer entry trains at several batch sizes (full
        batch counting as one): batch_sizes.png puts them side by side."""
        sizes: dict[str, set[int | None]] = {}
        for run in self.animated:
            sizes.setdefault(run.family, set()).add(run.batch_size)
        return self.trajectories and any(len(s) > 1 for s in sizes.values())

    @property
    def gradient_fan(self) -> bool:
        """Whether gradients.png fans out each sample's gradient: the page's
        model with two weights, trained on minibatches."""
        return (
            not self.landscape
            and parameter_count(self.problem) == 2
            and any(run.minibatch for run in self.runs)
        )

    @property
    def trajectory_labels(self) -> list[str]:
        """The runs whose paths the trajectory figure draws."""
        return self.labels if self.seed_cloud else self.animated_labels

    @property
    def run_loss_plots(self) -> list[str]:
        """The runs with their own loss plot and caption: the page's animated
        runs (a landscape's runs share one figure)."""
        return [] if self.landscape else self.animated_labels

    def render_chunks(self) -> list[list[str]]:
        """The animated runs of each frames job (a landscape draws no bar frames)."""
        if self.landscape:
            return []
        names = self.animated_labels
        return [
            names[i : i + RUNS_PER_RENDER_JOB] for i in range(0, len(names), RUNS_PER_RENDER_JOB)
        ]

    def figures(self, layout: Layout) -> list[Figure]:
        return [
            Figure(kind.kind, kind.path(layout, self, ""), self.name, kind.description)
            for kind in EXPERIMENT_FIGURES
            if kind.applies(self)
        ]

    def paths(self, layout: Layout, *kinds: str) -> list[str]:
        """The planned paths of the experiment's figures of `kinds`, in plan order."""
        return [
            kind.path(layout, self, "")
            for kind in EXPERIMENT_FIGURES
            if kind.kind in kinds and kind.applies(self)
        ]

    def run_figures(self, layout: Layout, run: str, title: str) -> list[Figure]:
        return [
            Figure(kind.kind, kind.path(layout, self, run), title, kind.description)
            for kind in RUN_FIGURES
            if kind.applies(self)
        ]

    def outputs(self, layout: Layout, formats: Sequence[str]) -> list[str]:
        """Every file of the experiment: its records and tables, then each
        planned figure with the files that come with it."""
        name = self.name
        outputs = [layout.summary(name), layout.run_table(name), layout.caption(name)]
        outputs += [layout.history(name, label) for label in self.labels]
        if self.generates_data:
            outputs.append(layout.data(name))
        if self.tuning is not None:
            outputs += [layout.tuning(name), layout.tuned(name)]
        if self.explorer:
            outputs.append(layout.explorer(name))
        placed = [(kind, "") for kind in EXPERIMENT_FIGURES] + [
            (kind, label) for label in self.animated_labels for kind in RUN_FIGURES
        ]
        for kind, label in placed:
            if kind.applies(self):
                path = kind.path(layout, self, label)
                outputs += [path, *kind.also(layout, self, label)]
                if path.endswith(".gif"):
                    outputs += companion_paths(path, formats)
        return list(dict.fromkeys(outputs))


@dataclass(frozen=True)
class Plan:
    """Every experiment of a config, and the workflow's own files."""

    config: dict[str, Any]
    experiments: dict[str, ExperimentPlan]
    layout: Layout
    formats: tuple[str, ...]
    profiled: tuple[str, ...]  # the experiments of the performance profile
    # The results that `publish:` names (with results_dir): each figure among
    # them is also drawn in the dark theme (`name.dark.ext`, figures/style.py).
    published: frozenset[str] = frozenset()

    def __getitem__(self, experiment: str) -> ExperimentPlan:
        return self.experiments[experiment]

    def __iter__(self):
        return iter(self.experiments)

    @property
    def tuned(self) -> list[str]:
        return [name for name, e in self.experiments.items() if e.tuning is not None]

    @property
    def generating_data(self) -> list[str]:
        return [name for name, e in self.experiments.items() if e.generates_data]

    @property
    def trained(self) -> list[str]:
        return [name for name, e in self.experiments.items() if e.tuning is None]

    def profile(self, layout: Layout | None = None) -> Figure | None:
        if not self.profiled:
            return None
        return Figure(PROFILE.kind, (layout or self.layout).profile(), "", PROFILE.description)

    def shown(self) -> dict[str, dict[str, Any]]:
        """What the gallery shows (its params): each experiment's kind and
        figures, and each animated run's figures (whose subject the gallery
        fills with the run's title), as links relative to index.html."""
        link = Layout("")
        profile = self.profile(link)
        return {
            "profile": None if profile is None else profile.to_params(),
            "experiments": {
                name: {
                    "kind": plan.kind,
                    "explorer": link.explorer(name) if plan.explorer else None,
                    "figures": [figure.to_params() for figure in plan.figures(link)],
                    "run_figures": [
                        [figure.to_params() for figure in plan.run_figures(link, label, "")]
                        for label in plan.animated_labels
                    ],
                }
                for name, plan in self.experiments.items()
            },
        }

    def figure_paths(self) -> list[str]:
        """The path of every planned figure (a GIF without its companions):
        each has a dark variant when it is published."""
        paths = []
        for experiment in self.experiments.values():
            placed = [(kind, "") for kind in EXPERIMENT_FIGURES] + [
                (kind, label) for label in experiment.animated_labels for kind in RUN_FIGURES
            ]
            paths += [
                kind.path(self.layout, experiment, label)
                for kind, label in placed
                if kind.applies(experiment)
            ]
        return paths + ([self.layout.profile()] if self.profiled else [])

    def player_files(self) -> list[str]:
        """Every planned animation's player file (`name.player.json`)."""
        return [
            companions_by_role(path, self.formats)["player"][0]
            for path in self.figure_paths()
            if path.endswith(".gif")
        ]

    @functools.cached_property
    def published_figures(self) -> frozenset[str]:
        """The planned figures that `publish:` names: each gets a dark variant.
        Computed once: the rules ask for every figure job's dark outputs."""
        if not self.published:
            return frozenset()
        return self.published & frozenset(self.figure_paths())

    def dark(self, paths: Sequence[str]) -> list[str]:
        """The dark variants of those of `paths` that are published figures,
        with a GIF's videos and poster: what a figure job also draws."""
        variants = []
        for path in paths:
            if path in self.published_figures:
                variants.append(dark_variant(path))
                if path.endswith(".gif"):
                    variants += companion_paths(dark_variant(path), self.formats)
        return variants

    def published_files(self) -> dict[str, str]:
        """Published name -> result (under the results folder); an
        animation's GIF brings its videos, poster, frames and player file
        under the same name, and a figure its dark variant (`name.dark.ext`,
        with its own). ConfigError for two results under one name: a name
        that shadows another's companion (`a.frames.png` beside `a.gif`)."""
        results = self.layout.root
        files: dict[str, str] = {}
        keys: dict[str, str] = {}
        for name, source in self.config.get("publish", {}).get("files", {}).items():
            variants = [(name, source)]
            if self.dark([f"{results}/{source}"]):
                variants.append((dark_variant(name), dark_variant(source)))
            for published, result in variants:
                pairs = [(published, result)]
                if result.endswith(".gif"):
                    pairs += zip(
                        companion_paths(published, self.formats),
                        companion_paths(result, self.formats),
                        strict=True,
                    )
                for file, source_file in pairs:
                    if files.get(file, source_file) != source_file:
                        raise ConfigError(
                            f"'publish.files.{name}' would publish {source_file} as {file},"
                            f" which 'publish.files.{keys[file]}' publishes from"
                            f" {files[file]} (an animation's GIF brings its"
                            f" {', '.join(COMPANION_SUFFIXES)} and a figure its .dark"
                            " variant under its name); choose another name"
                        )
                    files[file], keys[file] = source_file, name
        return files

    def dark_frames(self, experiment: str, label: str) -> list[str]:
        """The dark variants of a run's bar frames: drawn when its animation
        or its experiment's comparison (tiled from every run's frames) is a
        published figure."""
        plan = self.experiments[experiment]
        gifs = [self.layout.animation(experiment, label), self.layout.comparison(experiment)]
        if plan.landscape or not self.dark(gifs):
            return []
        return [
            dark_variant(self.layout.frame(experiment, label, epoch)) for epoch in plan.frame_epochs
        ]

    def outputs(self) -> list[str]:
        """Every result of the config (what `rule all` asks for)."""
        outputs = [
            path
            for experiment in self.experiments.values()
            for path in experiment.outputs(self.layout, self.formats)
        ]
        if self.profiled:
            outputs.append(self.layout.profile())
        frames = [
            path
            for name, experiment in self.experiments.items()
            for label in experiment.animated_labels
            for path in self.dark_frames(name, label)
        ]
        assets = [self.layout.asset(name) for name in ASSETS]
        return [*outputs, *self.dark(self.figure_paths()), *frames, self.layout.index(), *assets]


def experiment_plan(config: dict[str, Any], name: str, runs: list[Run]) -> ExperimentPlan:
    settings = config["experiments"][name]
    tuning = experiment_tuning(settings)
    problem = problem_spec(config, name)
    landscape = is_landscape(settings)
    return ExperimentPlan(
        name=name,
        kind=FUNCTION if landscape else DENSE,
        epochs=settings["epochs"],
        runs=tuple(runs),
        animated=tuple(animated_runs(config, name, runs)),
        frame_epochs=tuple(frame_epochs(settings["epochs"], config["frames"]["every"])),
        problem=problem,
        tuning=tuning,
        tune_record=None
        if tuning is None
        else {key: value for key, value in settings["tune"].items() if key != "optimizers_per_job"},
        # A tuned experiment's sensitivity.png is its tuning's (rate against objective).
        sensitivity=None if tuning is not None else sensitivity_argument(settings),
        # Two parameters at least: not the page's model with a single weight.
        trajectories=parameter_count(problem) >= 2,
        # A landscape counts the time to its lowest minimum (it needs one);
        # the figure's job computes the value (tuning.protocol.time_target).
        has_time_target=tuning is not None
        and (bool(spec_landscape(problem).minima) if landscape else tuning.target is not None),
        training_chunks=()
        if tuning is not None
        else tuple(map(tuple, training_chunks(config, name, runs))),
        tuning_chunks=()
        if tuning is None
        else tuple(map(tuple, tuning_chunks(config, name, runs))),
        trajectory_axes=settings.get("trajectory", {}).get("axes"),
        generator=None
        if landscape or "generate" not in (data := experiment_data(config, name))
        else data,
        explorer=bool(settings.get("explorer", False)),
        records_state=records_state(settings),
        vectors=tuple(settings.get("vectors", {}).get("show", ())),
        anatomy_step=settings.get("vectors", {}).get("anatomy", 1),
        phase=phase_arguments(settings),
        has_schedule=has_schedule(settings),
    )


# An explorer page's budget of drawn numbers (every trial's x, y and loss at
# each recorded step; 1.2 MB of float32): the tuned landscapes' 192 trials of
# 400 steps keep every step, a sweep of 1,000 runs of 500 epochs every 6th.
MAX_RECORDED_NUMBERS = 300_000
NUMBERS_PER_STEP = 3


def recorded_step_count(epochs: int, stride: int) -> int:
    """How many of steps 0, stride, 2 * stride... and the last, `epochs`."""
    return epochs // stride + 1 + (1 if epochs % stride else 0)


def stride_for(trials: int, epochs: int) -> int:
    """The smallest stride at which `trials` paths of `epochs` steps stay
    within MAX_RECORDED_NUMBERS."""
    per_step = trials * NUMBERS_PER_STEP
    stride = 1
    while recorded_step_count(epochs, stride) * per_step > MAX_RECORDED_NUMBERS and stride < epochs:
        stride += 1
    return stride


def with_explorer_stride(plan: ExperimentPlan) -> ExperimentPlan:
    """`plan` with the stride at which its explorer's data stays within
    records.trials.MAX_RECORDED_NUMBERS."""
    if not plan.explorer:
        return plan
    stride = stride_for(plan.trial_count, plan.epochs)
    return dataclasses.replace(plan, explorer_stride=stride)


def build_plan(config: dict[str, Any]) -> Plan:
    """Check `config` (in place, filling its defaults; ConfigError on the first
    problem) and plan everything it makes."""
    runs = check_config(config)
    experiments = {
        name: with_explorer_stride(experiment_plan(config, name, runs[name])) for name in runs
    }
    tuned = [name for name, e in experiments.items() if e.tuning is not None]
    plan = Plan(
        config=config,
        experiments=experiments,
        layout=Layout(config["results_dir"]),
        formats=tuple(config["animation"]["formats"]),
        profiled=tuple(tuned) if len(tuned) >= 2 else (),
        published=frozenset(
            f"{config['results_dir']}/{source}"
            for source in config.get("publish", {}).get("files", {}).values()
        ),
    )
    _check_names_against_files(plan)
    _check_animation_pixels(plan)
    plan.published_files()  # ConfigError for two results under one name
    return plan


# Each animation's frame in pixels at frames.scale 1, from above (the
# figures' sizes at 100 DPI: figures/style.py, render.py, trajectories.py,
# surface.py): a run's bar or fit frame, the contour, the 3-D view, and a
# panel of the small multiples (3 to a row).
RUN_FRAME_PIXELS = 560 * 360
CONTOUR_PIXELS = 680 * 420
SURFACE_PIXELS = 720 * 480
PANEL_PIXELS, PANEL_COLUMNS, PANEL_TITLE_PIXELS = 300 * 270, 3, 30 * 300


def frame_pixels(kind: str, experiment: "ExperimentPlan") -> int:
    """An upper bound of one frame's pixels of the animation `kind` of
    `experiment`, at scale 1 (tests/test_hostile_keys.py holds it to the
    frames drawn)."""
    if kind == "comparison":  # every animated run's frame, tiled
        return len(experiment.animated_labels) * RUN_FRAME_PIXELS
    if kind == "surface":
        return SURFACE_PIXELS
    entries = len(experiment.entries)
    columns = min(PANEL_COLUMNS, entries)
    panels = columns * -(-entries // columns) * PANEL_PIXELS + columns * PANEL_TITLE_PIXELS
    if kind == "panels":
        return panels
    if kind == "trajectory":  # a contour, or panels when it has many entries
        return max(CONTOUR_PIXELS, panels)
    return RUN_FRAME_PIXELS


def _check_animation_pixels(plan: Plan) -> None:
    """Refuse an animation whose frames a job could not hold within
    `animation.max_megapixels` (export/writers.py's FrameStore holds them all
    while it writes the GIF), before any job runs."""
    limit = plan.config["animation"]["max_megapixels"]
    scale = plan.config["frames"]["scale"]
    for name, experiment in plan.experiments.items():
        frames = len(experiment.frame_epochs)
        placed = [(kind, "") for kind in EXPERIMENT_FIGURES]
        placed += [
            (kind, label) for label in experiment.animated_labels[:1] for kind in RUN_FIGURES
        ]
        for kind, label in placed:
            if not kind.applies(experiment):
                continue
            if not kind.path(plan.layout, experiment, label).endswith(".gif"):
                continue
            pixels = frames * frame_pixels(kind.kind, experiment) * scale**2
            if pixels > limit * 1_000_000:
                most = max(2, limit * 1_000_000 // (frame_pixels(kind.kind, experiment) * scale**2))
                raise ConfigError(
                    f"'experiments.{name}' would animate {frames:,} frames of its"
                    f" {kind.kind} figure, {pixels / 1e6:,.0f} million pixels, more than"
                    f" 'animation.max_megapixels' = {limit:,}: draw at most {most:,} frames"
                    " (a larger 'frames.every'), fewer optimizers in one figure, or raise"
                    " the limit on a machine with the memory (about 3 bytes a pixel)"
                )


def _check_names_against_files(plan: Plan) -> None:
    """No experiment or run is named like a file the workflow writes where
    its folder would be (`index.html`, `loss.png`, `data.csv`...): Snakemake
    would refuse the folder and the file with an error naming neither key."""
    layout = plan.layout
    files = set(plan.outputs()) | {layout.site()}
    for name, experiment in plan.experiments.items():
        count = len(experiment.tuning_chunks)
        files |= {layout.tuning_rows(name, i, count) for i in range(count)}
        files |= {layout.tuning_trials(name, i, count) for i in range(count)}
    folders = {str(parent) for path in files for parent in Path(path).parents}
    for path in sorted(files & folders):
        parts = Path(path).relative_to(layout.root).parts
        if len(parts) == 1:
            raise ConfigError(
                f"'experiments.{parts[0]}': an experiment named {parts[0]!r} would be the"
                f" folder {path}, where the workflow writes a file of that name; choose"
                " another name"
            )
        raise ConfigError(
            f"'experiments.{parts[0]}': its run {parts[1]!r} (an optimizer entry's label,"
            f" with its grid and seed) would be the folder {path}, where the workflow"
            " writes the experiment's file of that name; set another 'label'"
        )
