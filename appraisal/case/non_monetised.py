"""The register of non-monetised impacts, on the seven-point appraisal-summary scale.

Impacts that cannot be valued in money are still part of the economic case (Green Book
2018 para 5.59; DfT TAG appraisal summary table). Each impact is scored for every option
against the counterfactual on the seven-point scale :data:`SCALE`::

    large beneficial (+3), moderate beneficial (+2), slight beneficial (+1), neutral (0),
    slight adverse (−1), moderate adverse (−2), large adverse (−3)

with a note of the evidence. The register is carried into every output and offered to
multi-criteria analysis as numeric scores (:meth:`NonMonetisedRegister.mca_scores`).

In a case file::

    non_monetised:
      - impact: Family relationships and resilience
        description: Fewer family breakdowns; stronger parenting
        scores: {Do minimum: slight beneficial, Whole-family service: moderate beneficial}
        evidence: Practitioner survey and the evaluation of a similar service
        confidence: medium
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from appraisal.errors import Expected

__all__ = [
    "SCALE",
    "NonMonetisedImpact",
    "NonMonetisedRegister",
    "parse_score",
    "score_label",
]

#: The seven-point scale, from +3 to −3: label -> score.
SCALE: Mapping[str, int] = MappingProxyType({
    "large beneficial": 3,
    "moderate beneficial": 2,
    "slight beneficial": 1,
    "neutral": 0,
    "slight adverse": -1,
    "moderate adverse": -2,
    "large adverse": -3,
})
_BY_SCORE = {v: k for k, v in SCALE.items()}


def score_label(score: int) -> str:
    """The scale label of a score in −3..3.

    Examples
    --------
    >>> score_label(-2)
    'moderate adverse'
    """
    return _BY_SCORE[int(score)]


def parse_score(value: Any) -> int | None:
    """A score from a label (any case; spaces, ``_`` or ``-``) or an integer −3..3.

    Returns ``None`` when the value is not on the scale.

    Examples
    --------
    >>> parse_score("Moderate_beneficial"), parse_score(-1), parse_score("good")
    (2, -1, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -3 <= value <= 3 else None
    if isinstance(value, float) and value.is_integer():
        return parse_score(int(value))
    if isinstance(value, str):
        key = re.sub(r"[\s_-]+", " ", value.strip().lower())
        return SCALE.get(key)
    return None


@dataclass(frozen=True, slots=True)
class NonMonetisedImpact:
    """One non-monetised impact and its score for each option (against the counterfactual)."""

    impact: str
    scores: Mapping[str, int]
    description: str = ""
    evidence: str = ""
    confidence: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "scores", MappingProxyType(dict(self.scores)))

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for outputs (scores with their labels)."""
        return {"impact": self.impact, "description": self.description,
                "scores": dict(self.scores),
                "labels": {o: score_label(s) for o, s in self.scores.items()},
                "evidence": self.evidence, "confidence": self.confidence}


@dataclass(frozen=True, slots=True)
class NonMonetisedRegister:
    """The register of a case: impacts scored on the seven-point scale.

    Examples
    --------
    >>> reg = NonMonetisedRegister(options=("BAU", "A"), impacts=(
    ...     NonMonetisedImpact("Trust", {"BAU": 0, "A": 2}, evidence="survey"),))
    >>> reg.mca_scores()
    {'BAU': {'Trust': 0}, 'A': {'Trust': 2}}
    >>> reg.summary_lines()[1]
    '  Trust: A moderate beneficial'
    """

    options: tuple[str, ...]
    impacts: tuple[NonMonetisedImpact, ...] = field(default_factory=tuple)

    def mca_scores(self) -> dict[str, dict[str, int]]:
        """Scores as ``{option: {impact: score −3..3}}`` for multi-criteria analysis."""
        return {o: {i.impact: int(i.scores.get(o, 0)) for i in self.impacts}
                for o in self.options}

    def to_dict(self) -> dict[str, Any]:
        """The ``non_monetised`` section of ``results.json``."""
        return {"scale": [{"label": k, "score": v} for k, v in SCALE.items()],
                "relative_to": "the counterfactual",
                "impacts": [i.to_dict() for i in self.impacts]}

    def to_frame(self):
        """One row per impact and option: score, label, evidence."""
        import pandas as pd

        rows = [{"impact": i.impact, "option": o, "score": int(i.scores.get(o, 0)),
                 "label": score_label(i.scores.get(o, 0)), "description": i.description,
                 "evidence": i.evidence, "confidence": i.confidence}
                for i in self.impacts for o in self.options]
        return pd.DataFrame(rows, columns=["impact", "option", "score", "label",
                                           "description", "evidence", "confidence"])

    def to_frames(self) -> dict[str, Any]:
        """CSV tables of this lens: ``{file name: DataFrame}``."""
        return {"non_monetised.csv": self.to_frame()}

    def summary_lines(self) -> list[str]:
        """Readable lines for the run summary."""
        out = ["Non-monetised impacts (seven-point scale, against the counterfactual):"]
        for i in self.impacts:
            parts = [f"{o} {score_label(s)}" for o, s in i.scores.items() if s != 0]
            out.append(f"  {i.impact}: {'; '.join(parts) or 'neutral for every option'}")
        return out


def parse_register(ck: Any, raw: Any, path: tuple, options: list[str], counterfactual: str | None
                   ) -> NonMonetisedRegister | None:
    """Build the register from case data, recording located problems in ``ck`` (schema)."""
    if not isinstance(raw, list):
        ck.error(path, "wrong-type", "'non_monetised' must be a list of impacts",
                 "write '- impact: ...' entries with 'scores: {option: label}'",
                 expected=Expected.LIST)
        return None
    impacts, seen = [], {}
    for i, item in enumerate(raw):
        ipath = (*path, i)
        data = ck.mapping(item, ipath, "a non-monetised impact")
        if data is None:
            continue
        ck.unknown_keys(data, ("impact", "description", "scores", "evidence", "confidence"),
                        ipath)
        name = ck.text(data, "impact", ipath, required=True)
        if name in seen:
            ck.error((*ipath, "impact"), "duplicate-name", f"impact '{name}' appears twice "
                     f"(also {path[0]}[{seen[name]}])", "give each impact a unique name")
        seen.setdefault(name, i)
        raw_scores = ck.mapping(data.get("scores", {}), (*ipath, "scores"), "'scores'") or {}
        scores: dict[str, int] = {}
        for option, value in raw_scores.items():
            spath = (*ipath, "scores", option)
            if option not in options:
                ck.error(spath, "unknown-option", f"scores name option '{option}', which is not "
                         "in 'options'", "use the option names exactly")
                continue
            score = parse_score(value)
            if score is None:
                ck.error(spath, "bad-score", f"score {value!r} is not on the seven-point scale",
                         "use large/moderate/slight beneficial, neutral, slight/moderate/large "
                         "adverse, or a whole number from -3 to 3")
                continue
            if option == counterfactual and score != 0:
                ck.error(spath, "counterfactual-score", "the counterfactual is the reference, so "
                         f"its score must be neutral (got {value!r})", "score the other options "
                         "against the counterfactual")
                continue
            scores[option] = score
        for option in options:
            if option != counterfactual and option not in raw_scores:
                ck.error((*ipath, "scores"), "missing-score", f"impact '{name}' has no score "
                         f"for option '{option}'", "add a score (neutral if it has no effect)")
        if counterfactual is not None:
            scores.setdefault(counterfactual, 0)
        ordered = {o: scores[o] for o in options if o in scores}
        impacts.append(NonMonetisedImpact(
            impact=name, scores=ordered, description=ck.text(data, "description", ipath),
            evidence=ck.text(data, "evidence", ipath),
            confidence=ck.text(data, "confidence", ipath,
                               choices=("low", "medium", "high"))))
    return NonMonetisedRegister(options=tuple(options), impacts=tuple(impacts))
