"""Scoring: turning ratings and performance measures into 0–100 value scores.

Every criterion has a *direction* (does more of the measure make things better or
worse?) and a *scale* that maps its measure onto a 0–100 preference value, where
100 is best (DCLG, *Multi-criteria analysis: a manual*, 2009, ch. 6):

=================  ===============================================================
``DirectScale``    the input already is a 0–100 rating on the criterion's own
                   measure; a ``decrease`` criterion is turned round (100 − rating)
``LinearScale``    linear between a stated ``worst`` (0) and ``best`` (100),
                   held at 0 or 100 outside them
``PiecewiseScale`` piecewise-linear through stated ``(measure, value)`` points,
                   monotone in the criterion's direction, held flat outside them
``LocalScale``     linear between the worst and best option being compared
                   (a "local scale"); it depends on which options are present
=================  ===============================================================

The ``*_value`` functions are the public, validating entry points. The scale
classes' ``apply`` methods are array kernels: they do not validate, and they
broadcast over any leading axes (draws first).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from appraisal.errors import AppraisalValidationError, Issue
from appraisal.fields import field_path

__all__ = [
    "DirectScale",
    "Direction",
    "LinearScale",
    "LocalScale",
    "PiecewiseScale",
    "ValueScale",
    "direct_value",
    "linear_value",
    "piecewise_value",
]

FloatArray = npt.NDArray[np.float64]
#: Value every option receives on a local scale when all options perform the same.
LOCAL_SCALE_TIE_VALUE = 50.0


class Direction(enum.Enum):
    """Whether more of a criterion's measure is better (``increase``) or worse."""

    INCREASE = "increase"
    DECREASE = "decrease"


#: A structural problem of a scale: (field path within the scale, message, fix).
_Problem = tuple[tuple[str | int, ...], str, str]


class _NothingToCheck:
    """A scale with no parameters of its own to check: it has no structural problems."""

    __slots__ = ()

    def problems(self, direction: Direction) -> list[_Problem]:
        """Structural problems: none."""
        return []


@dataclass(frozen=True, slots=True)
class DirectScale(_NothingToCheck):
    """A 0–100 rating of each option on the criterion's own measure."""

    kind = "direct"

    def apply(self, x: FloatArray, direction: Direction,
              present: npt.NDArray[np.bool_] | None = None) -> FloatArray:
        """Kernel: ratings to values (no validation)."""
        x = np.asarray(x, dtype=float)
        return x if direction is Direction.INCREASE else 100.0 - x


@dataclass(frozen=True, slots=True)
class LinearScale:
    """Linear value function: ``worst`` scores 0 and ``best`` scores 100."""

    worst: float
    best: float
    kind = "linear"

    def problems(self, direction: Direction) -> list[_Problem]:
        """Problems as ``(relative path, message, fix)``."""
        if self.worst == self.best:
            return [(("best",), f"best ({self.best:g}) equals worst ({self.worst:g})",
                     "give two different end points")]
        rising = self.best > self.worst
        if rising != (direction is Direction.INCREASE):
            return [(("best",), f"best ({self.best:g}) is {'above' if rising else 'below'} worst "
                     f"({self.worst:g}), which contradicts direction '{direction.value}'",
                     "swap best and worst, or change the direction")]
        return []

    def apply(self, x: FloatArray, direction: Direction,
              present: npt.NDArray[np.bool_] | None = None) -> FloatArray:
        """Kernel: measures to values, held at 0 and 100 beyond the end points."""
        v = 100.0 * (np.asarray(x, dtype=float) - self.worst) / (self.best - self.worst)
        return np.clip(v, 0.0, 100.0) + 0.0  # + 0.0 turns -0.0 into 0.0


@dataclass(frozen=True, slots=True)
class PiecewiseScale:
    """Piecewise-linear value function through ``(measure, value)`` points."""

    points: tuple[tuple[float, float], ...]
    kind = "piecewise"

    def problems(self, direction: Direction) -> list[_Problem]:
        """Problems as ``(relative path, message, fix)``: order, range and monotonicity."""
        out: list[_Problem] = []
        if len(self.points) < 2:
            return [(("points",), f"needs at least 2 points, got {len(self.points)}",
                     "give the measure and value at both ends of the scale")]
        xs = [p[0] for p in self.points]
        vs = [p[1] for p in self.points]
        for i, v in enumerate(vs):
            if not 0.0 <= v <= 100.0:
                out.append((("points", i, 1), f"value {v:g} is outside 0–100",
                            "values are preference scores from 0 (worst) to 100 (best)"))
        for i in range(1, len(xs)):
            if xs[i] <= xs[i - 1]:
                out.append((("points", i, 0), f"measure {xs[i]:g} is not above the previous "
                            f"point's {xs[i - 1]:g}", "list points in increasing order of measure"))
        rising = direction is Direction.INCREASE
        for i in range(1, len(vs)):
            step = vs[i] - vs[i - 1]
            if (rising and step < 0) or (not rising and step > 0):
                out.append((("points", i, 1),
                            f"value {vs[i]:g} {'falls below' if rising else 'rises above'} the "
                            f"previous point's {vs[i - 1]:g}, so the points are not monotone for "
                            f"direction '{direction.value}'",
                            "make the values "
                            + ("non-decreasing" if rising else "non-increasing")
                            + " along the measure, or change the direction"))
        if not out and vs[0] == vs[-1]:
            out.append((("points",), "all points have the same value",
                        "a value function must distinguish worse from better"))
        return out

    def apply(self, x: FloatArray, direction: Direction,
              present: npt.NDArray[np.bool_] | None = None) -> FloatArray:
        """Kernel: linear interpolation, held flat beyond the first and last points."""
        xs = np.array([p[0] for p in self.points], dtype=float)
        vs = np.array([p[1] for p in self.points], dtype=float)
        return np.interp(np.asarray(x, dtype=float), xs, vs)


@dataclass(frozen=True, slots=True)
class LocalScale(_NothingToCheck):
    """Linear between the worst (0) and best (100) of the options present."""

    kind = "local"

    def apply(self, x: FloatArray, direction: Direction,
              present: npt.NDArray[np.bool_] | None = None) -> FloatArray:
        """Kernel over the last axis (options); ``present`` masks options out of the range.

        When every present option performs the same, each gets
        ``LOCAL_SCALE_TIE_VALUE`` (the criterion then cannot change a ranking).
        """
        x = np.asarray(x, dtype=float)
        mask = np.ones(x.shape[-1], dtype=bool) if present is None else np.asarray(present)
        lo = np.min(np.where(mask, x, np.inf), axis=-1, keepdims=True)
        hi = np.max(np.where(mask, x, -np.inf), axis=-1, keepdims=True)
        span = hi - lo
        safe = np.where(span > 0, span, 1.0)
        v = 100.0 * (x - lo) / safe if direction is Direction.INCREASE else 100.0 * (hi - x) / safe
        return np.where(span > 0, v, LOCAL_SCALE_TIE_VALUE)


ValueScale = DirectScale | LinearScale | PiecewiseScale | LocalScale


def _raise(problems: list[_Problem], source: str) -> None:
    if problems:
        issues = [Issue("bad-value-function", msg, field=field_path(path), fix=fix)
                  for path, msg, fix in problems]
        raise AppraisalValidationError(issues, source=source)


def direct_value(rating: npt.ArrayLike, direction: Direction | str = "increase") -> FloatArray:
    """Values from direct 0–100 ratings.

    Parameters
    ----------
    rating : array_like
        Ratings on the criterion's own measure, 0–100; any shape.
    direction : {"increase", "decrease"}
        ``"decrease"`` turns the rating round (100 − rating), for criteria where
        less is better.

    Returns
    -------
    ndarray
        Values, 100 = best.

    Raises
    ------
    AppraisalValidationError
        A rating is outside 0–100 or not finite.

    Examples
    --------
    >>> direct_value([0, 40, 100], "decrease")
    array([100.,  60.,   0.])
    """
    direction = Direction(direction)
    r = np.asarray(rating, dtype=float)
    bad = ~np.isfinite(r) | (r < 0) | (r > 100)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AppraisalValidationError([Issue(
            "score-out-of-range", f"rating {r[where]!r} is outside 0–100",
            field=f"rating{list(where)}", fix="direct ratings run from 0 (worst) to 100 (best)")],
            source="direct_value")
    return DirectScale().apply(r, direction)


def linear_value(x: npt.ArrayLike, worst: float, best: float) -> FloatArray:
    """Linear value function: ``worst`` → 0, ``best`` → 100, held at 0/100 beyond.

    ``best < worst`` gives a decreasing function (less is better).

    Examples
    --------
    >>> linear_value([60, 32.5, 5, 0], worst=60, best=5)
    array([  0.,  50., 100., 100.])
    """
    scale = LinearScale(float(worst), float(best))
    direction = Direction.INCREASE if best > worst else Direction.DECREASE
    _raise(scale.problems(direction), "linear_value")
    return scale.apply(np.asarray(x, dtype=float), direction)


def piecewise_value(x: npt.ArrayLike, points: Sequence[Sequence[float]],
                    direction: Direction | str | None = None) -> FloatArray:
    """Piecewise-linear value function through stated ``(measure, value)`` points.

    Parameters
    ----------
    x : array_like
        Performance measures; any shape.
    points : sequence of (measure, value)
        Measures strictly increasing; values in 0–100 and monotone in ``direction``.
    direction : {"increase", "decrease"}, optional
        Inferred from the first and last values when omitted.

    Raises
    ------
    AppraisalValidationError
        Fewer than two points, measures out of order, values outside 0–100, or
        values that are not monotone in the direction.

    Examples
    --------
    >>> piecewise_value([0, 5, 10, 40, 99], [[0, 100], [10, 70], [40, 0]])
    array([100.,  85.,  70.,   0.,   0.])
    """
    pts = tuple((float(p[0]), float(p[1])) for p in points)
    if direction is None:
        direction = (Direction.DECREASE if len(pts) >= 2 and pts[-1][1] < pts[0][1]
                     else Direction.INCREASE)
    direction = Direction(direction)
    scale = PiecewiseScale(pts)
    _raise(scale.problems(direction), "piecewise_value")
    return scale.apply(np.asarray(x, dtype=float), direction)
