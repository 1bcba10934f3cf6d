"""Multi-criteria analysis (MCA) beside the cost-benefit analysis.

The workflow of DCLG's *Multi-criteria analysis: a manual* (2009), with AHP and
TOPSIS as named alternatives, every step broadcasting over a leading draws axis:

- value tree: purposes or spending objectives with criteria under them
  (:class:`ValueTree`; example trees in ``data/mca/``);
- scoring: direct 0–100 ratings, linear and piecewise-linear value functions,
  local scales, and CBA results (NPSV, PV costs …) as criteria;
- weighting: swing weights normalised down the tree, direct weights, AHP
  (:func:`ahp`: principal eigenvector or geometric mean, λmax, consistency ratio
  against Saaty's random index);
- aggregation: linear additive scores and contributions; :func:`topsis`;
- stakeholders: several weight sets, their agreement, and a combined set;
- robustness: dominance, one-at-a-time weight ranges, rank reversal;
- decision view: NPSV, BCR and MCA score together, and the value-for-money
  frontier;
- long list: the HM Treasury options framework filter (:func:`parse_long_list_section`).

Examples
--------
>>> import numpy as np
>>> from appraisal.errors import Issues
>>> section = {
...     "criteria": [
...         {"id": "trust", "name": "Builds trust", "direction": "increase"},
...         {"id": "wait", "name": "Days to first contact", "direction": "decrease",
...          "scoring": "linear", "worst": 60, "best": 5},
...         {"id": "cost", "name": "PV costs", "direction": "decrease", "scoring": "cba",
...          "metric": "pv_costs"}],
...     "scores": {"Do minimum": {"trust": 30, "wait": 45},
...                "New service": {"trust": 80, "wait": 10},
...                "Ambitious": {"trust": 90, "wait": 8}},
...     "weights": {"officers": {"method": "swing",
...                              "swings": {"trust": 100, "wait": 50, "cost": 50}}}}
>>> spec = parse_mca_section(section, option_names=["Do minimum", "New service", "Ambitious"],
...                          locate=lambda p: "case.yaml", issues=Issues())
>>> cba = {"Do minimum": {"npsv": 0.0, "bcr": 1.0, "pv_costs": 1.0},
...        "New service": {"npsv": 4.0, "bcr": 1.8, "pv_costs": 5.0},
...        "Ambitious": {"npsv": 3.0, "bcr": 1.3, "pv_costs": 10.0}}
>>> result = evaluate_mca(spec, cba=cba)
>>> result.scores[0, -1].round(1).tolist()
[46.8, 76.6, 68.6]
>>> print("\\n".join(summary_lines(result)))  # doctest: +NORMALIZE_WHITESPACE
MCA (linear additive): 3 options, 3 criteria, 1 weight set + combined
  Top option (combined weights): New service, score 76.6/100
  officers: New service (76.6) > Ambitious (68.6) > Do minimum (46.8)
  Most sensitive weight: cost (0.25); New service stays top for 0.12–0.55
  Value-for-money frontier: every option is on it
"""

from appraisal.lenses.mca.aggregation import (
    NORMALISATIONS,
    linear_additive,
    rank_descending,
    topsis,
)
from appraisal.lenses.mca.ahp import AHP_VARIANTS, AHPResult, ahp, random_index
from appraisal.lenses.mca.evaluate import evaluate_mca
from appraisal.lenses.mca.long_list import (
    ASSESSMENTS,
    DIMENSIONS,
    LongList,
    LongListChoice,
    ShortListedOption,
    parse_long_list_section,
)
from appraisal.lenses.mca.result import DecisionView, MCAResult, summary_lines
from appraisal.lenses.mca.robustness import WeightRanges, dominance, weight_ranges
from appraisal.lenses.mca.section import parse_mca_section, parse_value_tree
from appraisal.lenses.mca.spec import COMBINED, MCASpec
from appraisal.lenses.mca.stakeholders import Agreement, CombineRule, agreement, combine_weight_sets
from appraisal.lenses.mca.totals import additive_totals, combined_weights, mca_totals
from appraisal.lenses.mca.tree import CBA_METRICS, Criterion, Purpose, ValueTree
from appraisal.lenses.mca.value_functions import (
    Direction,
    DirectScale,
    LinearScale,
    LocalScale,
    PiecewiseScale,
    direct_value,
    linear_value,
    piecewise_value,
)
from appraisal.lenses.mca.weights import PairwiseComparison, WeightSet, resolve_weights

__all__ = [
    "AHP_VARIANTS",
    "ASSESSMENTS",
    "CBA_METRICS",
    "COMBINED",
    "DIMENSIONS",
    "NORMALISATIONS",
    "AHPResult",
    "Agreement",
    "CombineRule",
    "Criterion",
    "DecisionView",
    "DirectScale",
    "Direction",
    "LinearScale",
    "LocalScale",
    "LongList",
    "LongListChoice",
    "MCAResult",
    "MCASpec",
    "PairwiseComparison",
    "PiecewiseScale",
    "Purpose",
    "ShortListedOption",
    "ValueTree",
    "WeightRanges",
    "WeightSet",
    "additive_totals",
    "agreement",
    "ahp",
    "combine_weight_sets",
    "combined_weights",
    "direct_value",
    "dominance",
    "evaluate_mca",
    "linear_additive",
    "linear_value",
    "mca_totals",
    "parse_long_list_section",
    "parse_mca_section",
    "parse_value_tree",
    "piecewise_value",
    "random_index",
    "rank_descending",
    "resolve_weights",
    "summary_lines",
    "topsis",
    "weight_ranges",
]
