"""The public-value lenses computed with every appraisal, and their CSV tables.

:func:`public_value_lenses` is called by :func:`appraisal.pipeline.evaluate` and returns
the payloads stored on :attr:`AppraisalResult.lenses` (each with ``to_dict()``,
``to_frames()`` and ``summary_lines()``):

``valuation``
    each valued line (quantity × unit value, additionality, persistence) with its value's
    price year, rebasing, source and confidence, and NPSV with every ranged unit value
    (WELLBY, carbon) at its low and at its high value — when any line is valued;
``public_value``
    the agency ledger (:mod:`appraisal.ledger`) — when any line has an agency or a value type;
``distributional``
    equity weights, incidence and the η sweep (:mod:`appraisal.equity`) — when the case
    has a ``distribution:`` section;
``non_monetised``
    the seven-point register (:mod:`appraisal.non_monetised`) — when the case has one.

:func:`write_lens_tables` writes every payload's tables into a run's output folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from appraisal.engine import CompiledCase, EngineOutput, line_present_values
from appraisal.equity import distributional_analysis
from appraisal.ledger import agency_ledger

if TYPE_CHECKING:
    from appraisal.model import Case
    from appraisal.results import AppraisalResult

__all__ = ["LENS_KEYS", "ValuationResult", "public_value_lenses", "valuation_lens",
           "write_lens_tables"]

#: The results.json keys of the lenses computed here.
LENS_KEYS = ("valuation", "public_value", "distributional", "non_monetised")


@dataclass(frozen=True, slots=True, eq=False)
class ValuationResult:
    """Valued lines and the NPSV range from the low and high unit values."""

    rows: tuple[dict[str, Any], ...]
    option_names: tuple[str, ...]
    counterfactual: int
    npsv_central: np.ndarray
    npsv_low: np.ndarray
    npsv_high: np.ndarray
    ranged_lines: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The ``valuation`` section of ``results.json``."""
        cf = self.counterfactual

        def block(values: np.ndarray) -> list[dict[str, Any]]:
            return [{"option": n, "npsv": float(values[o]),
                     "inc_npsv": float(values[o] - values[cf])}
                    for o, n in enumerate(self.option_names)]

        return {"lines": list(self.rows),
                "range": {"lines_with_range": list(self.ranged_lines),
                          "central": block(self.npsv_central), "low": block(self.npsv_low),
                          "high": block(self.npsv_high),
                          "note": "every ranged unit value (e.g. WELLBY £10k-£16k, carbon "
                                  "low/high) at its low, then at its high value; other "
                                  "inputs central"},
                "note": "quantity × unit value in the value's price year, rebased to the "
                        "case's price base with the GDP deflator; additionality = engagement "
                        "× success × quantity per outcome × (1 − deadweight) × "
                        "(1 − displacement) × (1 − leakage) × (1 − attribution to others)"}

    def to_frames(self) -> dict[str, Any]:
        """CSV tables: one row per valued line."""
        import pandas as pd

        return {"valuation.csv": pd.DataFrame(list(self.rows))}

    def summary_lines(self) -> list[str]:
        """Readable lines for the run summary."""
        out = [f"Valuation: {len(self.rows)} lines valued as quantity × unit value or "
               "through an outcome chain"]
        unconfirmed = sorted({r["value_confidence"] for r in self.rows} & {"C2", "U"})
        if unconfirmed:
            out.append("  some unit values are unconfirmed (confidence "
                       f"{'/'.join(unconfirmed)}): see parameters_used and valuation.csv")
        if self.ranged_lines:
            out.append("  NPSV with ranged unit values at low .. high (£m):")
            for o, n in enumerate(self.option_names):
                if self.npsv_low[o] != self.npsv_high[o]:
                    out.append(f"    {n}: {self.npsv_low[o] / 1e6:,.2f} .. "
                               f"{self.npsv_high[o] / 1e6:,.2f} (central "
                               f"{self.npsv_central[o] / 1e6:,.2f})")
        return out


def _raw_pv(c: CompiledCase, values: np.ndarray) -> np.ndarray:
    """PV of each line with a given value path, before scale, uplift and additionality."""
    return line_present_values(c, c.quantities * values * c.price_factors)


def valuation_lens(compiled: CompiledCase, out: EngineOutput) -> ValuationResult | None:
    """The ``valuation`` payload, or None when no line is valued."""
    c = compiled
    case = c.case
    valued = [i for i, ln in enumerate(case.lines)
              if ln.unit_value is not None or ln.outcome is not None]
    if not valued:
        return None
    pv = out.pv_lines[0]
    central = _raw_pv(c, c.value_paths)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_low = np.where(central != 0, _raw_pv(c, c.value_low) / central, 1.0)
        ratio_high = np.where(central != 0, _raw_pv(c, c.value_high) / central, 1.0)
    signed = np.where(c.is_cost, -pv, pv)
    onehot = c.option_matrix
    rows = []
    for i in valued:
        line = case.lines[i]
        val = c.valuations[i]
        chain = line.outcome
        row: dict[str, Any] = {
            "option": line.option, "line": line.name, "kind": line.kind,
            "agency": line.agency, "value_type": line.value_type, "cashable": line.cashable,
            "schedule": line.schedule, "effect": line.effect,
            "quantity_total": float(c.amounts[i].sum()),
            "net_outcomes_total": float(c.quantities[i].sum() * c.additionality[i]),
            "additionality": float(c.additionality[i]),
        }
        if val is not None:
            row.update(val.to_dict())
            row["unit_value_rebased"] = float(val.path[0] * val.rebase)
        else:
            row.update({"method": "money", "value_confidence": "", "unit": "£"})
        if chain is not None:
            row.update({f"outcome_{k}": getattr(chain, k) for k in (
                "engagement", "success", "quantity_per_outcome", "deadweight", "displacement",
                "leakage", "attribution_to_others", "lag", "persistence", "drop_off", "source")})
        row["pv"] = float(pv[i])
        rows.append(row)
    ranged = tuple(case.lines[i].name for i in range(c.n_lines)
                   if c.valuations and c.valuations[i] is not None and c.valuations[i].has_range)
    return ValuationResult(
        rows=tuple(rows), option_names=c.option_names, counterfactual=c.counterfactual,
        npsv_central=signed @ onehot, npsv_low=(signed * ratio_low) @ onehot,
        npsv_high=(signed * ratio_high) @ onehot, ranged_lines=ranged)


def public_value_lenses(case: Case, compiled: CompiledCase, out: EngineOutput
                        ) -> dict[str, Any]:
    """Every public-value lens that applies to the case, by results.json key.

    Examples
    --------
    >>> from appraisal.engine import compile_case, evaluate_arrays
    >>> from appraisal.io.load import example_path, load_case
    >>> case = load_case(example_path("prevention"))
    >>> compiled = compile_case(case)
    >>> sorted(public_value_lenses(case, compiled, evaluate_arrays(compiled)))
    ['distributional', 'non_monetised', 'public_value', 'valuation']
    """
    lenses: dict[str, Any] = {}
    valuation = valuation_lens(compiled, out)
    if valuation is not None:
        lenses["valuation"] = valuation
    if any(ln.agency or ln.value_type for ln in case.lines):
        lenses["public_value"] = agency_ledger(compiled, out.pv_lines[0])
    spec = case.sections.get("distribution")
    if spec is not None:
        lenses["distributional"] = distributional_analysis(compiled, out.pv_lines[0], spec)
    register = case.sections.get("non_monetised")
    if register is not None:
        lenses["non_monetised"] = register
    return lenses


def write_lens_tables(result: AppraisalResult, stage: Path) -> list[str]:
    """Write the CSV tables of every lens payload that has ``to_frames()``."""
    from appraisal.io.csv_safe import write_csv
    names = []
    for key in LENS_KEYS:
        payload = result.lenses.get(key)
        frames = payload.to_frames() if hasattr(payload, "to_frames") else {}
        for name, frame in frames.items():
            write_csv(frame, Path(stage) / name)
            names.append(name)
    return names
