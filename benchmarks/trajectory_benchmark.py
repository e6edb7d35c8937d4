"""Frames per second of a trajectory animation (issue 11's target: 40 per
core) and of the 3-D surface.gif (issue 25's target: 10 per core).

    python benchmarks/trajectory_benchmark.py [--frames 51] [--repeats 5]

A 500 x 400 Rosenbrock contour with 6 paths of 500 steps: the median over
--repeats of the time to draw every frame as an image (what a GIF is made
of), and, separately, to also encode it as PNG (in memory, Pillow's default
compression), after the figure (contour, axes, legend) is drawn once; and
the same paths as panels.gif's small multiples (780 x 510, one panel per
path), and surface.gif's 3-D view of the same six paths on the surface
(720 x 480). One process, one core.
"""

import argparse
import io
import statistics
import time

import numpy as np

from optimizer_animations.figures.surface import SurfaceFigure
from optimizer_animations.figures.trajectories import Path2D, Surface, TrajectoryFigure
from optimizer_animations.problems.problem import FunctionProblem


def six_paths(start: np.ndarray, steps: int) -> list[Path2D]:
    rng = np.random.default_rng(0)
    return [
        Path2D(f"optimizer {i}", start + np.cumsum(rng.normal(0, 0.01, (steps + 1, 2)), axis=0))
        for i in range(6)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=51)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    problem = FunctionProblem.from_spec({"function": "rosenbrock"})
    surface = Surface.sample(problem.loss_numpy, problem.landscape.domain)
    paths = six_paths(np.asarray(problem.landscape.start), 500)
    epochs = np.linspace(0, 500, args.frames).astype(int)
    cases = [(False, False, False), (True, False, False), (False, True, False)]
    cases += [(False, False, True), (True, False, True)]
    for encode, panels, three_d in cases:
        rates = []
        for _ in range(args.repeats):
            if three_d:
                figure = SurfaceFigure(
                    surface, paths, "rosenbrock", problem.loss_numpy, problem.landscape.minima
                )
            else:
                figure = TrajectoryFigure(
                    surface, paths, "rosenbrock", minima=problem.landscape.minima, panels=panels
                )
            start = time.perf_counter()
            for epoch in epochs:
                image = figure.frame(int(epoch))
                if encode:
                    image.save(io.BytesIO(), format="png")
            rates.append(len(epochs) / (time.perf_counter() - start))
            figure.close()
        what = "drawn and PNG-encoded" if encode else "drawn"
        what += ", six 260 x 240 panels (panels.gif)" if panels else ""
        what += ", 3-D surface (surface.gif), 720 x 480" if three_d else ""
        what += "" if panels or three_d else ", the contour"
        print(f"{statistics.median(rates):.1f} frames/s {what} (median of {args.repeats})")


if __name__ == "__main__":
    main()
