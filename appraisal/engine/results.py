"""Frozen appraisal results, their table views and their JSON form.

:class:`AppraisalResult` is what :func:`appraisal.evaluate` returns. It holds plain
numbers and read-only arrays; :meth:`~AppraisalResult.to_frame` gives pandas views and
:meth:`~AppraisalResult.to_dict` the versioned ``results.json`` layout.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from typing import TYPE_CHECKING, Any

import numpy as np

from appraisal.engine.headline import LABELS, headline

if TYPE_CHECKING:
    import pandas as pd

    from appraisal.case.model import Case
    from appraisal.engine.compile import CompiledCase
    from appraisal.greenbook.cba import SwitchingValue
    from appraisal.params.packs import ParameterRow

__all__ = ["RESULTS_SCHEMA_VERSION", "AppraisalResult", "OptionMetrics", "manifest_for"]

RESULTS_SCHEMA_VERSION = 1
_PACKAGES = ("numpy", "pandas", "scipy", "SALib", "openpyxl", "jinja2", "PyYAML", "defusedxml")


@cache
def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def manifest_for(case: Case, compiled: CompiledCase, used: tuple = ()) -> dict[str, Any]:
    """Provenance of a run: tool and package versions, input hash, vintage, conventions."""
    rows = used or compiled.parameters_used
    unconfirmed = sorted({r.table_name for r in rows if not r.confirmed})
    return {
        "tool": "appraisal",
        "tool_version": _version("appraisal") or "unknown",
        "input": case.source_path,
        "input_sha256": case.source_sha256,
        "parameter_vintage": case.vintage,
        "parameter_packs": list(compiled.pack.sources),
        "unconfirmed_parameters_used": unconfirmed,
        "parameter_overrides": [
            {"table_name": r.table_name, **dict(r.key), "value": r.value, "origin": r.origin,
             "replaced_value": r.replaced_value, "replaced_origin": r.replaced_origin}
            for r in compiled.pack.overrides()],
        "unit_value_packs": [
            {"name": name, "file": pack.path.replace("\\", "/").rsplit("/", 1)[-1],
             "sha256": pack.sha256}
            for name, pack in (case.sections.get("unit_value_packs") or {}).items()],
        "price_base": f"real, {case.price_base_year} prices",
        "discounted_to": case.base_year,
        "timing": case.timing,
        "bcr_definition": case.bcr_definition,
        "public_budget_agencies": list(case.public_budget_agencies),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {p: _version(p) for p in _PACKAGES},
    }


@dataclass(frozen=True, slots=True)
class OptionMetrics:
    """Headline metrics of one option, absolute and incremental against the counterfactual."""

    name: str
    counterfactual: bool
    pv_costs: float
    pv_benefits: float
    npsv: float
    bcr: float | None
    pv_fiscal_benefits: float
    eac: float | None
    inc_pv_costs: float
    inc_pv_benefits: float
    inc_npsv: float
    inc_bcr: float | None
    vfm_category: str | None
    bcr_note: str = ""
    #: The BCR's numerator and denominator under the run's ``bcr_definition`` (PVB and PVC;
    #: PV benefits and PV costs under ``benefit_cost``), absolute and incremental.
    bcr_pvb: float = float("nan")
    bcr_pvc: float = float("nan")
    inc_bcr_pvb: float = float("nan")
    inc_bcr_pvc: float = float("nan")
    #: Why the absolute BCR is undefined (empty when it is defined).
    own_bcr_note: str = ""
    #: ``public_sector_cost`` only: the net cost to the public budget is zero or negative,
    #: so there is no BCR ("net saving to the public sector"), absolute and incremental.
    net_saving: bool = False
    inc_net_saving: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The ``results.json`` layout of one option."""
        return {
            "name": self.name,
            "counterfactual": self.counterfactual,
            "pv_costs": self.pv_costs,
            "pv_benefits": self.pv_benefits,
            "npsv": self.npsv,
            "bcr": self.bcr,
            "bcr_pvb": self.bcr_pvb,
            "bcr_pvc": self.bcr_pvc,
            "net_saving_to_public_sector": self.net_saving,
            "bcr_note": self.own_bcr_note,
            "equivalent_annual_cost": self.eac,
            "incremental": {
                "pv_costs": self.inc_pv_costs,
                "pv_benefits": self.inc_pv_benefits,
                "npsv": self.inc_npsv,
                "bcr": self.inc_bcr,
                "bcr_pvb": self.inc_bcr_pvb,
                "bcr_pvc": self.inc_bcr_pvc,
                "net_saving_to_public_sector": self.inc_net_saving,
                "vfm_category": self.vfm_category,
                "bcr_note": self.bcr_note,
            },
        }


#: The views :meth:`AppraisalResult.to_frame` builds itself (lens tables follow).
_CORE_VIEWS = ("options", "lines", "cashflows", "switching", "parameters")


def _money(x: float) -> str:
    """Money for a one-line summary: ``£11.1m``, ``−£24``."""
    sign = "−" if x < 0 else ""
    x = abs(x)
    return f"{sign}£{x / 1e6:,.1f}m" if x >= 1e6 else f"{sign}£{x:,.0f}"


@dataclass(frozen=True, slots=True, eq=False)
class AppraisalResult:
    """Everything one deterministic appraisal produced. Frozen; arrays are read-only."""

    case: Case
    compiled: CompiledCase
    options: tuple[OptionMetrics, ...]
    preferred_option: str
    switching_values: tuple[SwitchingValue, ...]
    real_flows: np.ndarray
    discounted_flows: np.ndarray
    pv_lines: np.ndarray
    reduced_schedule: dict[str, Any] | None
    parameters_used: tuple[ParameterRow, ...]
    warnings: tuple = ()
    lenses: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("real_flows", "discounted_flows", "pv_lines"):
            getattr(self, name).flags.writeable = False

    def option(self, name: str) -> OptionMetrics:
        """Metrics of the option called ``name``."""
        for m in self.options:
            if m.name == name:
                return m
        msg = f"no option {name!r}; options: {', '.join(m.name for m in self.options)}"
        raise KeyError(msg)

    @property
    def price_label(self) -> str:
        """Caption for money tables, e.g. ``£, real, 2025 prices, discounted to 2025``."""
        return (f"£, real, {self.case.price_base_year} prices, discounted to "
                f"{self.case.base_year}")

    @property
    def bcr_definition_text(self) -> str:
        """The run's BCR definition as a sentence (printed by every output)."""
        from appraisal.greenbook.cba import bcr_definition_text

        return bcr_definition_text(self.case.bcr_definition, self.case.public_budget_agencies)

    def __repr__(self) -> str:
        """One line: the case, the preferred option and its headline measures, the lenses."""
        h = headline(self)
        b = h["best_alternative"] or h
        bcr = "not defined" if b["inc_bcr"] is None else f"{b['inc_bcr']:.2f}"
        who = "" if h["best_alternative"] is None else f", best alternative {b['option']!r}"
        return (f"<AppraisalResult {self.case.title!r}: {len(self.options)} options, "
                f"preferred {self.preferred_option!r}{who}: NPSV against business as usual "
                f"{_money(b['inc_npsv'])}, BCR against business as usual {bcr}"
                + (f" ({b['vfm_category']})" if b["vfm_category"] else "")
                + f"; lenses: {', '.join(self.lenses) or 'none'}>")

    def _repr_html_(self) -> str:
        """A small HTML table for notebooks: every option's headline measures."""
        import html

        e = html.escape
        head = ["Option", LABELS["inc_npsv"], LABELS["inc_bcr"], LABELS["vfm_category"],
                LABELS["npsv"]]
        rows = []
        for m in self.options:
            star = " (preferred)" if m.name == self.preferred_option else ""
            bcr = "—" if m.counterfactual or m.inc_bcr is None else f"{m.inc_bcr:.2f}"
            rows.append(f"<tr><th scope=\"row\">{e(m.name)}{star}</th>"
                        f"<td>{_money(m.inc_npsv)}</td><td>{bcr}</td>"
                        f"<td>{e(m.vfm_category or '—')}</td><td>{_money(m.npsv)}</td></tr>")
        return (f"<div><strong>{e(self.case.title)}</strong>: preferred option "
                f"<strong>{e(self.preferred_option)}</strong> ({e(self.price_label)})"
                "<table><thead><tr>" + "".join(f"<th>{e(c)}</th>" for c in head)
                + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
                f"<p>Lenses: {e(', '.join(self.lenses) or 'none')}. Tables: "
                "<code>result.tables()</code>, <code>result.to_frame(name)</code>.</p></div>")

    def _lens_tables(self) -> dict[str, tuple[str, str]]:
        """Lens table name -> (lens key, CSV file name), for every lens with ``to_frames``."""
        out: dict[str, tuple[str, str]] = {}
        for key, payload in self.lenses.items():
            if hasattr(payload, "to_frames"):
                for csv in payload.to_frames():
                    out[csv.removesuffix(".csv")] = (key, csv)
        return out

    def tables(self) -> list[str]:
        """The name of every table :meth:`to_frame` can give for this result.

        The five core views first, then every lens table (the name of its CSV file in
        the run's outputs, without ``.csv``).

        Examples
        --------
        >>> from appraisal import evaluate, example_path, load_case
        >>> result = evaluate(load_case(example_path("prevention")))
        >>> result.tables()[:6]
        ['options', 'lines', 'cashflows', 'switching', 'parameters', 'valuation']
        >>> result.to_frame("agency_matrix").shape[0] > 0
        True
        """
        return [*_CORE_VIEWS, *self._lens_tables()]

    def to_frame(self, view: str = "options") -> pd.DataFrame:
        """A pandas view of the results: any name :meth:`tables` lists.

        Parameters
        ----------
        view : str
            ``options``: one row per option (absolute and incremental metrics);
            ``lines``: PV and optimism bias of each line; ``cashflows``: real and discounted
            amounts by line and year; ``switching``: switching values; ``parameters``: every
            parameter used with its provenance; or the name of a lens table (for example
            ``valuation``, ``agency_matrix``, ``mca_scores``, ``uncertainty_draws_summary``;
            a trailing ``.csv`` is allowed), the same table as that CSV in the outputs.
        """
        import pandas as pd

        if view not in _CORE_VIEWS:
            lens_tables = self._lens_tables()
            key = view.removesuffix(".csv")
            if key in lens_tables:
                lens, csv = lens_tables[key]
                return self.lenses[lens].to_frames()[csv]
            msg = f"unknown view {view!r}; choose one of: {', '.join(self.tables())}"
            raise ValueError(msg)
        records, columns = self.core_records(view)
        frame = pd.DataFrame(records, columns=columns)
        return frame.set_index("name") if view == "options" else frame

    def core_records(self, view: str) -> tuple[list[dict[str, Any]], list[str] | None]:
        """The rows of a core view as plain dicts, without pandas.

        :meth:`to_frame` is ``pandas.DataFrame(records, columns=columns)`` of them (indexed
        by ``name`` for ``options``); the run's CSV tables are written from them directly
        (:func:`appraisal.outputs.csv_safe.write_records_csv`), so a run need not import
        pandas.

        Parameters
        ----------
        view : str
            One of the five core views (``options``, ``lines``, ``cashflows``,
            ``switching``, ``parameters``).

        Returns
        -------
        records : list of dict
            One dict per row.
        columns : list of str or None
            The columns in order, when they are fixed (``cashflows``); otherwise None: the
            keys in order of first appearance.

        Examples
        --------
        >>> from appraisal import evaluate, example_path, load_case
        >>> result = evaluate(load_case(example_path("minimal")))
        >>> records, columns = result.core_records("cashflows")
        >>> columns[:3], records[0]["year"], records[0]["real"]
        (['option', 'line', 'kind'], 2025, 100.0)
        """
        if view == "options":
            rows = []
            for m in self.options:
                d = m.to_dict()
                inc = d.pop("incremental")
                rows.append({**d, **{f"inc_{k}": v for k, v in inc.items()}})
            return rows, None
        if view == "lines":
            return self._line_rows(), None
        if view == "cashflows":
            rows = []
            for i, line in enumerate(self.case.lines):
                for t, year in enumerate(self.compiled.years):
                    if self.real_flows[i, t] or self.discounted_flows[i, t]:
                        rows.append({"option": line.option, "line": line.name, "kind": line.kind,
                                     "agency": line.agency, "year": int(year), "t": t,
                                     "real": float(self.real_flows[i, t]),
                                     "discounted": float(self.discounted_flows[i, t])})
            return rows, ["option", "line", "kind", "agency", "year", "t", "real", "discounted"]
        if view == "switching":
            return [s.to_dict() for s in self.switching_values], None
        if view == "parameters":
            return [r.to_dict() for r in self.parameters_used], None
        msg = f"{view!r} is not a core view; choose one of: {', '.join(_CORE_VIEWS)}"
        raise ValueError(msg)

    def _line_rows(self) -> list[dict[str, Any]]:
        """One row per line. The ``ob_*`` columns: the cost measure's starting value
        (``ob_upper``), managed reduction (Σ c_i m_i) and uplift applied; the same for works
        duration; the line's own works slip and the years it is delayed by its option's
        works overrun; ``ob_detail`` spells out the calculation with every risk area's
        contribution and mitigation and, for a combined project, every type's part."""
        delays = self.compiled.completion_delay
        rows = []
        for i, line in enumerate(self.case.lines):
            ob = self.compiled.optimism_bias[i]
            dur = ob.duration if ob else None
            rows.append({
                "option": line.option, "line": line.name, "kind": line.kind,
                "category": line.category, "agency": line.agency,
                "value_type": line.value_type, "schedule": line.schedule,
                "price_basis": line.price_basis,
                "price_year": line.price_year if line.price_basis == "real" else None,
                "pv": float(self.pv_lines[i]),
                "ob_measure": ob.measure if ob else None,
                "ob_upper": ob.cost.upper if ob else None,
                "ob_managed_reduction": ob.cost.reduction if ob else None,
                "ob_uplift": ob.uplift if ob else 0.0,
                "ob_duration_upper": dur.upper if dur else None,
                "ob_duration_managed_reduction": dur.reduction if dur else None,
                "ob_duration_uplift": ob.duration_uplift if ob else 0.0,
                "ob_completion_slip": ob.slip if ob else 0,
                "ob_completion_delay": int(delays[i]) if delays is not None else 0,
                "ob_project_type": ob.project_type if ob else None,
                "ob_bound": ob.bound if ob else None,
                "ob_detail": "; ".join(m.summary() for m in (ob.cost, dur) if m) if ob else "",
                "source": line.source,
            })
        return rows

    def _optimism_bias_rows(self) -> list[dict[str, Any]]:
        """The full optimism-bias record of each line that has one (results.json)."""
        delays = self.compiled.completion_delay
        rows = [{"option": line.option, "line": line.name, **ob.to_dict()}
                for line, ob in zip(self.case.lines, self.compiled.optimism_bias, strict=True)
                if ob is not None]
        dependents = [{"option": line.option, "line": line.name, "delay_years": int(d)}
                      for line, d in zip(self.case.lines,
                                         delays if delays is not None else [], strict=False)
                      if d]
        for row in rows:
            row["delays_lines"] = [d["line"] for d in dependents if d["option"] == row["option"]
                                   ] if row["completion_slip_years"] else []
        return rows

    def to_dict(self) -> dict[str, Any]:
        """The versioned ``results.json`` layout (plain JSON types; ``None`` for undefined)."""
        out: dict[str, Any] = {
            "schema_version": RESULTS_SCHEMA_VERSION,
            "title": self.case.title,
            "organisation": self.case.organisation,
            "base_year": self.case.base_year,
            "horizon_years": self.case.horizon_years,
            "price_base": self.price_label,
            "bcr_definition": self.case.bcr_definition,
            "bcr_definition_text": self.bcr_definition_text,
            "public_budget_agencies": list(self.case.public_budget_agencies),
            "counterfactual": self.case.counterfactual.name,
            "preferred_option": self.preferred_option,
            "headline": headline(self),
            "options": [m.to_dict() for m in self.options],
            "lines": self._line_rows(),
            "optimism_bias": self._optimism_bias_rows(),
            "switching_values": [s.to_dict() for s in self.switching_values],
            "reduced_schedule_sensitivity": self.reduced_schedule,
            "warnings": [w.to_dict() for w in self.warnings],
            "parameters_used": [r.to_dict() for r in self.parameters_used],
            "manifest": self.manifest,
        }
        for name, payload in self.lenses.items():
            out[name] = payload.to_dict() if hasattr(payload, "to_dict") else payload
        return out

    def results_hash(self) -> str:
        """SHA-256 of the results JSON (identical inputs give identical hashes)."""
        text = json.dumps(self.to_dict(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()
