"""The plane a trajectory figure draws in a model's parameter space.

A model with more than two parameters has no single picture of its loss: the
figure draws a plane of parameter space, the loss on that plane as a contour
and each run's path projected onto it. By default the plane is the one
loss-landscape papers use: through the runs' common start, spanned by the two
principal directions of all runs' movement (with the share of the movement it
holds); or two named weights (`kernel[0,1]`, `bias[1]`), whose values are then
the axes themselves.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimizer_animations.problems.spec import VariableSpec, weight_index


@dataclass(frozen=True)
class Plane:
    """The points `origin + a * basis[0] + b * basis[1]`, drawn at (a, b)."""

    origin: np.ndarray  # (P,)
    basis: np.ndarray  # (2, P), orthonormal rows
    axis_labels: tuple[str, str]
    description: str  # what the plane is, for the figure's subtitle

    def project(self, params: np.ndarray) -> np.ndarray:
        """(..., P) parameters -> (..., 2) coordinates in the plane."""
        return (np.asarray(params, np.float64) - self.origin) @ self.basis.T

    def lift(self, coordinates: np.ndarray) -> np.ndarray:
        """(..., 2) coordinates -> (..., P) parameters on the plane."""
        return self.origin + np.asarray(coordinates, np.float64) @ self.basis


def _finite_rows(path: np.ndarray) -> np.ndarray:
    return path[np.isfinite(path).all(axis=1)]


def principal_plane(paths: Sequence[np.ndarray]) -> Plane:
    """The plane of the two principal directions of all paths' movement.

    Paths from one common start: the plane through it, from the uncentred
    movement away from it. From different starts (seeds): through the mean of
    all points, from their centred spread. Non-finite points are left out.
    """
    paths = [np.asarray(path, np.float64) for path in paths]
    starts = np.unique(np.stack([path[0] for path in paths]), axis=0)
    common_start = len(starts) == 1
    origin = starts[0] if common_start else np.mean(np.vstack([_finite_rows(p) for p in paths]), 0)
    movement = np.vstack([_finite_rows(path) for path in paths]) - origin
    count = movement.shape[1]
    # The thin SVD: a full one's left vectors are (points x points), 25,050
    # squared for a 1,000-run sweep, and unused. With a single point it has
    # one direction only; the full SVD of so small a matrix completes the basis.
    thin = len(movement) >= 2
    _, singular, directions = np.linalg.svd(movement, full_matrices=not thin)
    basis = directions[:2].copy()
    # An SVD's signs are arbitrary: point each direction where its largest
    # component is positive, so that the figure does not flip between libraries.
    for row in basis:
        if row[np.argmax(np.abs(row))] < 0:
            row *= -1
    total = float(np.sum(singular**2))
    shares = [float(s**2) / total if total > 0 else 0.0 for s in singular[:2]]
    shares += [0.0] * (2 - len(shares))
    held = sum(shares)
    where = "their common start" if common_start else "the mean of all their points"
    return Plane(
        origin,
        basis,
        (f"direction 1 ({shares[0]:.0%} of the movement)", f"direction 2 ({shares[1]:.0%})"),
        f"Plane through {where}, along the 2 principal directions of all runs' movement"
        f" in the model's {count} weights ({held:.1%} of it); paths projected onto it,"
        " contour: the loss on it.",
    )


def named_plane(names: Sequence[str], variables: Sequence[VariableSpec], rest: np.ndarray) -> Plane:
    """The plane of two named weights; every other weight held at `rest` (P,)."""
    indices = [weight_index(name, variables) for name in names]
    if indices[0] == indices[1]:
        raise ValueError(f"the two axes name the same weight: {names[0]!r} and {names[1]!r}")
    basis = np.zeros((2, len(rest)))
    basis[0, indices[0]] = basis[1, indices[1]] = 1.0
    origin = np.asarray(rest, np.float64).copy()
    origin[indices] = 0.0  # so that a point's coordinates are the two weights themselves
    return Plane(
        origin,
        basis,
        (names[0].strip(), names[1].strip()),
        f"Paths: the weights {names[0].strip()} and {names[1].strip()}; contour: the loss"
        + (
            " itself (the model has no other weights)."
            if len(rest) == 2
            else " with every other weight at the best run's final values."
        ),
    )
