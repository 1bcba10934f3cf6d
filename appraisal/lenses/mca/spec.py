"""The validated, frozen input of a multi-criteria analysis."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from appraisal.errors import AppraisalValidationError, Issue
from appraisal.fields import field_path
from appraisal.lenses.mca.aggregation import NORMALISATIONS
from appraisal.lenses.mca.stakeholders import COMBINE_METHODS, CombineRule
from appraisal.lenses.mca.tree import ValueTree
from appraisal.lenses.mca.value_functions import DirectScale
from appraisal.lenses.mca.weights import WeightSet, weight_set_problems

__all__ = ["COMBINED", "MCASpec"]

#: Name of the combined weight set in results; reserved.
COMBINED = "combined"

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, kw_only=True)
class MCASpec:
    """Everything a multi-criteria analysis needs, checked and frozen.

    Parameters
    ----------
    tree : ValueTree
        Purposes and criteria.
    option_names : tuple of str
        The options, in row order.
    performance : array ``[O, C]``
        Ratings or performance measures in the criteria's units; NaN in the
        columns of criteria scored from the CBA.
    weight_sets : tuple of WeightSet
        At least one; names unique and not ``"combined"``.
    combine : CombineRule
        How the sets become the headline ``"combined"`` set.
    topsis_normalisation : str, optional
        When given, TOPSIS closeness is computed beside the linear additive model.

    Raises
    ------
    AppraisalValidationError
        Any inconsistency, each named by field.
    """

    tree: ValueTree
    option_names: tuple[str, ...]
    performance: FloatArray = field(compare=False)
    weight_sets: tuple[WeightSet, ...]
    combine: CombineRule = field(default_factory=CombineRule)
    topsis_normalisation: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "option_names", tuple(self.option_names))
        object.__setattr__(self, "weight_sets", tuple(self.weight_sets))
        perf = np.array(self.performance, dtype=float, copy=True)
        perf.flags.writeable = False
        object.__setattr__(self, "performance", perf)
        issues = self.problems()
        if issues:
            raise AppraisalValidationError(issues, source="MCA specification")

    def problems(self) -> list[Issue]:
        """Every inconsistency of the specification."""
        out: list[Issue] = []
        n_opt, n_crit = len(self.option_names), len(self.tree.criteria)
        if n_opt == 0 or len(set(self.option_names)) != n_opt:
            out.append(Issue("bad-options", "option names must be given and unique",
                             field="option_names", fix="name each option once"))
        if self.performance.shape != (n_opt, n_crit):
            out.append(Issue("bad-shape", f"performance has shape {self.performance.shape}, "
                             f"expected ({n_opt}, {n_crit}) options × criteria",
                             field="performance",
                             fix="one row per option, one column per criterion"))
            return out
        for c, crit in enumerate(self.tree.criteria):
            col = self.performance[:, c]
            for o in np.flatnonzero(~np.isfinite(col) if crit.cba_metric is None else []):
                out.append(Issue("missing-score", f"no score for option '{self.option_names[o]}'",
                                 field=f"scores.{self.option_names[o]}.{crit.id}",
                                 fix="score every option on every criterion"))
            if isinstance(crit.scale, DirectScale):
                for o in np.flatnonzero((col < 0) | (col > 100)):
                    out.append(Issue("score-out-of-range", f"rating {col[o]:g} is outside 0–100",
                                     field=f"scores.{self.option_names[o]}.{crit.id}",
                                     fix="direct ratings run from 0 to 100"))
        names = [ws.name for ws in self.weight_sets]
        if not names:
            out.append(Issue("no-weights", "no weight set is given", field="weights",
                             fix="add at least one weight set"))
        for i, name in enumerate(names):
            if name == COMBINED or name in names[:i]:
                out.append(Issue("bad-name", f"weight set name '{name}' is reserved or repeated",
                                 field=f"weights.{name}", fix="give each weight set its own name"))
            for code, path, msg, fix in weight_set_problems(self.weight_sets[i], self.tree):
                out.append(Issue(code, msg, field=field_path(("weights", name, *path)), fix=fix))
        rule = self.combine
        if rule.method not in COMBINE_METHODS:
            out.append(Issue("bad-choice", f"unknown combine method '{rule.method}'",
                             field="combine.method",
                             fix=f"use one of {', '.join(COMBINE_METHODS)}"))
        if rule.stakeholder_weights is not None:
            lam = np.asarray(rule.stakeholder_weights, dtype=float)
            if lam.shape != (len(names),) or np.any(lam < 0) or abs(lam.sum() - 1) > 1e-6:
                out.append(Issue("weights-not-summing-to-one",
                                 f"stakeholder weights {lam.tolist()} are not {len(names)} "
                                 "non-negative numbers summing to 1", field="combine.weights",
                                 fix="give each weight set a share, summing to one"))
        elif rule.method == "weighted":
            out.append(Issue("missing-key", "method 'weighted' needs stakeholder weights",
                             field="combine.weights", fix="add weights: {set name: share, ...}"))
        norm = self.topsis_normalisation
        if norm is not None and norm not in NORMALISATIONS:
            out.append(Issue("bad-choice", f"unknown normalisation '{self.topsis_normalisation}'",
                             field="topsis.normalisation",
                             fix=f"use one of {', '.join(NORMALISATIONS)}"))
        return out
