"""Cost-benefit metrics: PV costs and benefits, NPSV, BCR, value for money, switching values.

Definitions (Green Book 2018 paras 5.53–5.56; 2.16 for switching values):

- NPSV = PV benefits − PV costs; increments are against the counterfactual (BAU).
- BCR, one definition per run (:func:`bcr_terms`, stated in words by
  :func:`bcr_definition_text`):

  - ``benefit_cost`` (default): PV benefits / PV costs.
  - ``public_sector_cost``: DfT's BCR (TAG unit A1.1 "Cost-Benefit Analysis", section 2.8
    "Cost-Benefit Analysis metrics" and section 3 on the Public Accounts and the Analysis
    of Monetised Costs and Benefits): PVB / PVC, where PVC is the PV of the *net cost to
    the public budget* named in the case (its costs less its savings and revenues) and PVB
    is every other impact, costs falling on anyone else (households, businesses, bodies
    outside the budget) counted as negative benefits. The public budget is every line
    with ``value_type: fiscal``, restricted to the agencies in ``public_budget: {agencies:
    [...]}`` when the case names them. PVB − PVC = PV benefits − PV costs = NPSV whatever
    the definition: only the ratio changes.

  A BCR whose denominator is ≤ 0 is undefined (``nan`` in arrays, ``None`` in JSON), never
  inf. Under ``public_sector_cost`` that case is a *net saving to the public sector*
  (:data:`NET_SAVING`): reported as such, with no BCR and no value-for-money band.
- Value-for-money category: DfT bands of the incremental BCR (``data/green_book/
  value_for_money.csv``); a boundary value takes the higher category. The bands from
  2.0 up rest on a 4.0 edge that is not confirmed from a primary source (confidence
  ``C2``): :func:`vfm_row` returns the deciding row so callers can flag such a category.
- Preferred option: the highest NPSV (BAU included, so BAU is preferred when no option
  adds value).
- Switching value of an input: the proportional change in it that makes the option's
  incremental NPSV zero, or that makes another option preferred.
- Equivalent annual cost: PV costs / Σ_{t=0..n−1} DF_t over the n-year appraisal period
  (the years the flows occupy; an annuity-due at the STPR with the appraisal's timing), so
  a level stream returns its level: :func:`appraisal.greenbook.discounting.annuity_factor` and
  :func:`appraisal.greenbook.discounting.equivalent_annual`, also used for the EDE per household.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from appraisal.errors import BCRUndefinedError
from appraisal.params.packs import ParameterPack, ParameterRow

__all__ = [
    "BCR_DEFINITIONS",
    "NET_SAVING",
    "BcrDefinition",
    "SwitchingValue",
    "bcr",
    "bcr_definition_text",
    "bcr_terms",
    "benefit_cost_ratio",
    "preferred_index",
    "switching_value",
    "vfm_category",
    "vfm_row",
]


def bcr(pv_benefits: npt.ArrayLike, pv_costs: npt.ArrayLike) -> np.ndarray:
    """Benefit-cost ratio, ``nan`` where PV costs are not positive (kernel).

    Examples
    --------
    >>> bcr([150.0, 10.0], [100.0, 0.0]).tolist()
    [1.5, nan]
    """
    b = np.asarray(pv_benefits, dtype=np.float64)
    c = np.asarray(pv_costs, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(c > 0, b / np.where(c > 0, c, 1.0), np.nan)


class BcrDefinition(StrEnum):
    """The BCR definitions a case may choose (``bcr_definition``)."""

    #: PV benefits over PV costs (the Green Book's BCR).
    BENEFIT_COST = "benefit_cost"
    #: DfT's BCR (TAG A1.1): over the net cost to the public budget.
    PUBLIC_SECTOR_COST = "public_sector_cost"


#: The values of :class:`BcrDefinition`, as plain text.
BCR_DEFINITIONS: tuple[str, ...] = tuple(d.value for d in BcrDefinition)
#: What is reported, in place of a BCR, when the net cost to the public budget is not positive.
NET_SAVING = "net saving to the public sector"


def bcr_terms(definition: str, pv_benefits: npt.ArrayLike, pv_costs: npt.ArrayLike,
              public_costs: npt.ArrayLike, public_savings: npt.ArrayLike
              ) -> tuple[np.ndarray, np.ndarray]:
    """The numerator and denominator ``(PVB, PVC)`` of the BCR under ``definition`` (kernel).

    Parameters
    ----------
    definition : {"benefit_cost", "public_sector_cost"}
        The case's ``bcr_definition``.
    pv_benefits, pv_costs : array_like
        PV of all benefits and all costs (positive amounts).
    public_costs, public_savings : array_like
        The parts of them that fall on the public budget: its costs, and its savings and
        revenues (fiscal benefits). Unused by ``benefit_cost``.

    Returns
    -------
    (ndarray, ndarray)
        ``benefit_cost``: (PV benefits, PV costs). ``public_sector_cost`` (DfT, TAG A1.1):
        PVC = public costs − public savings (the net cost to the budget); PVB = (PV
        benefits − public savings) − (PV costs − public costs), costs borne by others
        being negative benefits. In both, PVB − PVC = PV benefits − PV costs.

    Examples
    --------
    A scheme costing the budget 100, saving it 30, giving users 200 and costing
    households 20:

    >>> pvb, pvc = bcr_terms("public_sector_cost", 230.0, 120.0, 100.0, 30.0)
    >>> float(pvb), float(pvc), float(pvb - pvc) == 230.0 - 120.0
    (180.0, 70.0, True)
    >>> [float(x) for x in bcr_terms("benefit_cost", 230.0, 120.0, 100.0, 30.0)]
    [230.0, 120.0]
    """
    b = np.asarray(pv_benefits, dtype=np.float64)
    c = np.asarray(pv_costs, dtype=np.float64)
    if definition == "benefit_cost":
        return b, c
    if definition != "public_sector_cost":
        msg = f"unknown bcr_definition {definition!r}; choose one of {BCR_DEFINITIONS}"
        raise ValueError(msg)
    pc = np.asarray(public_costs, dtype=np.float64)
    ps = np.asarray(public_savings, dtype=np.float64)
    return (b - ps) - (c - pc), pc - ps


def bcr_definition_text(definition: str, agencies: tuple[str, ...] | list[str] = ()) -> str:
    """The run's BCR definition as one sentence, for every output.

    Examples
    --------
    >>> bcr_definition_text("benefit_cost")
    'BCR = PV benefits ÷ PV costs'
    >>> text = bcr_definition_text("public_sector_cost", ["DfT"])
    >>> text[:40], "(fiscal lines of DfT)" in text, text.endswith("has no BCR")
    ('BCR = PVB ÷ PVC (DfT, TAG unit A1.1): PV', True, True)
    """
    if definition == "benefit_cost":
        return "BCR = PV benefits ÷ PV costs"
    budget = ("fiscal lines of " + ", ".join(agencies)) if agencies else \
        "every line with value type fiscal"
    return (f"BCR = PVB ÷ PVC (DfT, TAG unit A1.1): PVC is the PV of the net cost to the public "
            f"budget ({budget}), its costs less its savings and revenues; PVB is every other "
            "impact, costs that fall on anyone else counted as negative benefits; PVB − PVC is "
            f"the NPSV. Where PVC is zero or negative the option is a {NET_SAVING} and has no "
            "BCR")


def benefit_cost_ratio(pv_benefits: float, pv_costs: float) -> float:
    """Benefit-cost ratio of one option; raises when it is undefined.

    Raises
    ------
    BCRUndefinedError
        If PV costs are zero or negative.

    Examples
    --------
    >>> benefit_cost_ratio(300.0, 200.0)
    1.5
    """
    if pv_costs <= 0:
        msg = f"BCR is undefined: PV costs are {pv_costs} (must be positive)"
        raise BCRUndefinedError(msg)
    return pv_benefits / pv_costs


def vfm_category(bcr_value: float | None, pack: ParameterPack) -> str | None:
    """DfT value-for-money category of a BCR (``None`` when the BCR is undefined).

    Examples
    --------
    >>> pack = ParameterPack.green_book()
    >>> [vfm_category(x, pack) for x in (0.9, 1.0, 1.7, 2.0, 4.5, None)]
    ['Poor', 'Low', 'Medium', 'High', 'Very high', None]
    """
    row = vfm_row(bcr_value, pack)
    return None if row is None else row.get("category")


def vfm_row(bcr_value: float | None, pack: ParameterPack) -> ParameterRow | None:
    """The row of the value-for-money table that decides a BCR's category, with provenance.

    ``None`` when the BCR is undefined. A row with ``confirmed`` false (confidence ``C2``)
    means the category is not confirmed from a primary source and must be flagged.

    Examples
    --------
    >>> pack = ParameterPack.green_book()
    >>> [(r.get("category"), r.confidence) for r in (vfm_row(x, pack) for x in (1.2, 2.5))]
    [('Low', 'C'), ('High', 'C2')]
    """
    if bcr_value is None or not np.isfinite(bcr_value):
        return None
    for row in sorted(pack.rows("value_for_money"), key=lambda r: float(r.value), reverse=True):
        lower = row.get("bcr_from")
        if not lower or bcr_value >= float(lower):
            return row
    return None


def preferred_index(npsv: npt.ArrayLike) -> np.ndarray:
    """Index of the option with the highest NPSV along the last axis (kernel).

    Ties go to the first option in the list (the case's order).
    """
    return np.argmax(np.asarray(npsv), axis=-1)


class Conclusion(StrEnum):
    """The conclusion a switching value overturns."""

    #: The option's NPSV against business as usual falls to zero.
    BREAK_EVEN = "break_even"
    #: The option overtakes the preferred option (``rival``).
    BECOMES_PREFERRED = "becomes_preferred"
    #: The preferred option loses its place to the runner-up (``rival``).
    NO_LONGER_PREFERRED = "no_longer_preferred"


@dataclass(frozen=True, slots=True)
class SwitchingValue:
    """How far one input must move to change a conclusion.

    ``change`` is proportional (−0.25 means a 25% fall); ``None`` means no switching
    value exists (the input cannot move the conclusion, or it would need a negative
    amount), with the reason in ``note``. ``conclusion`` says what is overturned and
    ``rival`` names the other option of the comparison (the preferred option an option
    overtakes, or the runner-up that takes the preferred option's place); ``test`` says
    the same in words, for outputs.
    """

    target: str
    subject: str
    option: str
    test: str
    change: float | None
    pv_at_base: float
    note: str = ""
    conclusion: Conclusion = Conclusion.BREAK_EVEN
    rival: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain-dict form for outputs."""
        return {"target": self.target, "subject": self.subject, "option": self.option,
                "test": self.test, "change": self.change, "pv": self.pv_at_base,
                "note": self.note}


def switching_value(gap: float, contribution: float) -> tuple[float | None, str]:
    """Proportional change ``x`` in an input with signed PV ``contribution`` that closes ``gap``.

    Solves ``gap + x × contribution = 0``. Returns ``(None, reason)`` when there is no
    solution or it needs the input's amounts to turn negative (``x < −1``).

    Examples
    --------
    >>> switching_value(50.0, -200.0)   # costs rising by 25% wipe out an NPSV of 50
    (0.25, '')
    >>> switching_value(50.0, 0.0)
    (None, 'the input does not affect this result')
    """
    x = -gap / contribution if contribution != 0 else np.inf
    if not np.isfinite(x):  # no effect, or too small an effect for a finite change
        return None, "the input does not affect this result"
    if x < -1.0:
        return None, f"would need the amounts to fall by {-x:.0%}, below zero"
    return float(x), ""
