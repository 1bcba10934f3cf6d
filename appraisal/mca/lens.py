"""The MCA lens: multi-criteria analysis and the long list inside every appraisal run.

Importing this module (``appraisal`` does) registers, once:

- the case sections ``mca`` and ``long_list`` in :data:`appraisal.schema.SECTION_PARSERS`
  (:mod:`appraisal.mca.case_section`);
- two hooks in :data:`appraisal.pipeline.LENS_HOOKS`: :func:`mca_hook` gives the ``mca``
  payload (:class:`MCALens`) when the case has an ``mca:`` section, with the CBA's NPSV,
  PV costs, PV benefits and BCR of each option passed in, so criteria scored from the
  CBA and the decision view work; :func:`long_list_hook` gives the ``long_list``
  payload (:class:`LongListLens`);
- :func:`write_mca_tables` in :data:`appraisal.io.outputs.OUTPUT_WRITERS`:
  ``mca_scores.csv`` and ``long_list.csv``.

The CBA metrics are each option's own (not incremental) PV costs, PV benefits, NPSV
and BCR, the BCR built as the case's ``bcr_definition`` says: the value-for-money
frontier sets MCA benefit against the whole PV cost of each option.

Beside the one-at-a-time weight ranges of :func:`appraisal.mca.weight_ranges`, the lens
reports how the ranking fares under weights drawn uniformly from the simplex of
criterion weights (the "no preference information" case of stochastic multicriteria
acceptability analysis, SMAA-2: Lahdelma and Salminen, 2001, *Operations Research*
49(3)), with an explicit seed recorded in the output (:func:`weight_sampling`).

Examples
--------
>>> import appraisal.mca.lens
>>> from appraisal import evaluate, load_case
>>> from appraisal.io.load import example_path
>>> result = evaluate(load_case(example_path("prevention")))
>>> mca = result.lenses["mca"]
>>> mca.result.option_names[int(mca.result.scores[0, -1].argmax())]
'Whole-family service'
>>> sorted(mca.report_context())
['criteria', 'note', 'score_scale', 'scores', 'weight_robustness', 'weight_sets']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from appraisal.cba import bcr
from appraisal.mca.aggregation import rank_descending
from appraisal.mca.case_section import (
    LongListSection,
    MCASection,
    parse_long_list_case_section,
    parse_mca_case_section,
)
from appraisal.mca.evaluate import evaluate_mca
from appraisal.mca.long_list import LongList
from appraisal.mca.result import MCAResult, summary_lines
from appraisal.mca.totals import additive_totals

if TYPE_CHECKING:
    import pandas as pd

    from appraisal.engine import CompiledCase, EngineOutput
    from appraisal.model import Case
    from appraisal.results import AppraisalResult

__all__ = [
    "SAMPLING_DRAWS",
    "SAMPLING_SEED",
    "LongListLens",
    "MCALens",
    "WeightSampling",
    "cba_metrics",
    "long_list_hook",
    "mca_hook",
    "register",
    "weight_sampling",
    "write_mca_tables",
]

#: Weight vectors drawn by the lens's random-weight robustness check.
SAMPLING_DRAWS = 2000
#: Seed of that check (a numpy SeedSequence entropy), recorded in every output.
SAMPLING_SEED = 2001

FloatArray = npt.NDArray[np.float64]
_OUTCOMES = {"preferred": "Preferred", "carried_forward": "Carried forward",
             "discounted": "Discounted"}


@dataclass(frozen=True, slots=True, eq=False)
class WeightSampling:
    """How each option ranks under random criterion weights (``[O]`` arrays)."""

    n_samples: int
    seed: int
    p_first: FloatArray
    rank_min: npt.NDArray[np.int64]
    rank_max: npt.NDArray[np.int64]

    def __post_init__(self) -> None:
        for name in ("p_first", "rank_min", "rank_max"):
            arr = np.array(getattr(self, name), copy=True)
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)

    @property
    def method(self) -> str:
        """One line saying how the weights were drawn."""
        return (f"{self.n_samples:,} sets of criterion weights drawn uniformly from all "
                f"possible weightings (SMAA-2, no preference information), seed {self.seed}")


def weight_sampling(values: npt.ArrayLike, *, n_samples: int, seed: int | np.random.SeedSequence
                    ) -> WeightSampling:
    """Share of random weight vectors under which each option comes first, and its rank range.

    Parameters
    ----------
    values : array_like ``[O, C]``
        0–100 value scores of each option on each criterion.
    n_samples : int
        Number of weight vectors, drawn from the flat Dirichlet distribution (uniform on
        the simplex).
    seed : int or SeedSequence
        The only source of randomness; the same seed gives the same answer.

    Examples
    --------
    >>> s = weight_sampling([[100, 0], [0, 100], [40, 40]], n_samples=1000, seed=1)
    >>> s.p_first.round(1).tolist(), s.rank_max.tolist()
    ([0.5, 0.5, 0.0], [3, 3, 3])
    """
    from appraisal.errors import AppraisalValidationError, Issue

    v = np.asarray(values, dtype=float)
    if v.ndim != 2 or v.shape[1] < 1 or not np.all(np.isfinite(v)) or n_samples < 1:
        raise AppraisalValidationError([Issue(
            "bad-shape", f"expected finite values [options, criteria] and n_samples >= 1, got "
            f"shape {v.shape} and n_samples={n_samples}", field="values",
            fix="pass MCAResult.values.mean(axis=0)")], source="weight_sampling")
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    w = np.random.default_rng(seq).dirichlet(np.ones(v.shape[1]), size=n_samples)
    ranks = rank_descending(additive_totals(v[None], w))
    return WeightSampling(n_samples=n_samples, seed=int(seq.entropy),  # type: ignore[arg-type]
                          p_first=(ranks == 1).mean(axis=0), rank_min=ranks.min(axis=0),
                          rank_max=ranks.max(axis=0))


def cba_metrics(case: Case, compiled: CompiledCase, out: EngineOutput
                ) -> dict[str, dict[str, FloatArray]]:
    """Each option's NPSV, PV costs, PV benefits and BCR, ``[D]`` arrays, by option name.

    The BCR follows the case's ``bcr_definition`` (:func:`appraisal.cba.bcr_terms`); it is
    NaN when its denominator is not positive (under ``public_sector_cost``, a net saving
    to the public sector).
    """
    costs, benefits = np.asarray(out.pv_costs), np.asarray(out.pv_benefits)
    ratio = bcr(*out.bcr_terms(case.bcr_definition))
    return {name: {"npsv": benefits[:, o] - costs[:, o], "pv_costs": costs[:, o],
                   "pv_benefits": benefits[:, o], "bcr": ratio[:, o]}
            for o, name in enumerate(compiled.option_names)}


def _ids(names: tuple[str, ...], option_ids: Mapping[str, str] | None) -> dict[str, str]:
    return {n: (option_ids or {}).get(n, n) for n in names}


@dataclass(frozen=True, slots=True, eq=False)
class MCALens:
    """The ``mca`` payload of a run: the MCA result and the random-weight check."""

    result: MCAResult
    sampling: WeightSampling

    def to_dict(self) -> dict[str, Any]:
        """The ``mca`` section of ``results.json``: :meth:`MCAResult.to_dict` plus
        ``weight_sampling``."""
        out = self.result.to_dict()
        names = self.result.option_names
        s = self.sampling
        out["weight_sampling"] = {
            "method": s.method, "n_samples": s.n_samples, "seed": s.seed,
            "options": [{"option": n, "p_first": float(s.p_first[o]),
                         "rank_min": int(s.rank_min[o]), "rank_max": int(s.rank_max[o])}
                        for o, n in enumerate(names)]}
        return out

    def summary_lines(self) -> list[str]:
        """Ranking, the preferred option under each weight set, where the sets disagree,
        and the CBA beside the MCA."""
        d = self.result.to_dict()
        lines = summary_lines(self.result)
        disputed = (d["stakeholders"] or {}).get("disputed_pairs", [])
        for row in disputed[:3]:
            a, b = row["options"]
            lines.append(f"  Sets disagree on {a} vs {b}: {', '.join(row['prefer_first'])} "
                         f"prefer {a}; {', '.join(row['prefer_second'])} prefer {b}")
        if d["decision"]:
            rows = [r for r in d["decision"] if r["npsv"] is not None]
            if rows:
                by_npsv = max(rows, key=lambda r: r["npsv"])["option"]
                by_mca = max(rows, key=lambda r: r["mca_score"])["option"]
                lines.append(f"  Beside the CBA: highest NPSV {by_npsv}; highest MCA score "
                             f"{by_mca}" + (" (the same option)" if by_npsv == by_mca else ""))
        s = self.sampling
        best = int(np.argmax(s.p_first))
        lines.append(f"  Random weights ({s.n_samples} draws, seed {s.seed}): "
                     f"{self.result.option_names[best]} first in {s.p_first[best]:.0%}")
        return lines

    def report_context(self, option_ids: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The ``mca`` section of the report context (see :mod:`appraisal.report`).

        Parameters
        ----------
        option_ids : mapping, optional
            Option name → the id the report context declares for it (default: the name).
        """
        d = self.result.to_dict()
        ids = _ids(self.result.option_names, option_ids)
        combined = d["weight_sets"][-1]
        weights = d["weights"][combined]
        total = sum(weights.values())
        crit_ids = [c["id"] for c in d["criteria"]]
        s = self.sampling
        return {
            "criteria": [{"id": c["id"], "name": c["name"], "weight": weights[c["id"]] / total}
                         for c in d["criteria"]],
            "score_scale": "0 (worst) to 100 (best)",
            "scores": [{"option": ids[o], "scores": {c: d["values"][o][c] for c in crit_ids},
                        "weighted": {c: d["contributions"][o][c] for c in crit_ids},
                        "total": d["scores"][combined][o], "rank": d["ranks"][combined][o]}
                       for o in self.result.option_names],
            "weight_robustness": {
                "method": s.method, "n_samples": s.n_samples,
                "rows": [{"option": ids[o], "p_first": float(s.p_first[i]),
                          "rank_min": int(s.rank_min[i]), "rank_max": int(s.rank_max[i])}
                         for i, o in enumerate(self.result.option_names)]},
            "weight_sets": [
                {"name": name, "weights": d["weights"][name],
                 "totals": {ids[o]: v for o, v in d["scores"][name].items()},
                 "preferred": ids[min(d["ranks"][name], key=lambda o, n=name: d["ranks"][n][o])]}
                for name in d["weight_sets"][:-1]],
            "note": (f"Linear additive model; headline weights combine the "
                     f"{len(d['weight_sets']) - 1} stakeholder weight set(s) by "
                     f"{d['combine']['method']}. Scores are 0-100 values; 'weighted' is each "
                     "criterion's contribution to the total."),
        }

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """CSV tables: ``mca_scores.csv``, one row per option."""
        import pandas as pd

        d = self.result.to_dict()
        sets = d["weight_sets"]
        decision = {r["option"]: r for r in d["decision"] or []}
        rows = []
        for o, name in enumerate(self.result.option_names):
            row: dict[str, Any] = {"option": name, "rank": d["ranks"][sets[-1]][name],
                                   "score": d["scores"][sets[-1]][name]}
            row.update({f"score_{s}": d["scores"][s][name] for s in sets[:-1]})
            row["p_first_random_weights"] = float(self.sampling.p_first[o])
            r = decision.get(name, {})
            row.update({k: r.get(k) for k in ("npsv", "bcr", "pv_costs", "mca_benefit_score",
                                              "on_frontier")})
            rows.append(row)
        return {"mca_scores.csv": pd.DataFrame(rows)}


@dataclass(frozen=True, slots=True, eq=False)
class LongListLens:
    """The ``long_list`` payload of a run."""

    long_list: LongList

    def to_dict(self) -> dict[str, Any]:
        """The ``long_list`` section of ``results.json``."""
        return self.long_list.to_dict()

    def summary_lines(self) -> list[str]:
        """Choices kept and discounted by dimension, and the short list."""
        return self.long_list.summary_lines()

    def report_strategic(self, option_ids: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The ``strategic`` section of the report context (see :mod:`appraisal.report`).

        Critical success factors are not a field of that section: their assessments are
        in each choice's ``reason`` and in ``long_list.csv``.
        """
        ll = self.long_list
        names = tuple(s.name for s in ll.short_list)
        ids = _ids(names, option_ids)
        return {
            "spending_objectives": [{"id": o.id, "text": o.name}
                                    for o in ll.spending_objectives],
            "long_list": [{"name": f"{c.dimension.capitalize()}: {c.name}",
                           "outcome": _OUTCOMES[c.decision], "reason": c.reason}
                          for c in ll.choices],
            "short_list": [ids[n] for n in names],
        }

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """CSV tables: ``long_list.csv``, one row per choice."""
        return {"long_list.csv": self.long_list.to_frame().reset_index()}


def mca_hook(case: Case, compiled: CompiledCase, out: EngineOutput
             ) -> tuple[str, MCALens] | None:
    """Lens hook: the ``mca`` payload when the case has an ``mca:`` section."""
    section = case.sections.get("mca")
    if not isinstance(section, MCASection):
        return None
    result = evaluate_mca(section.spec, cba=cba_metrics(case, compiled, out))
    sampling = weight_sampling(result.values.mean(axis=0), n_samples=SAMPLING_DRAWS,
                               seed=SAMPLING_SEED)
    return "mca", MCALens(result=result, sampling=sampling)


def long_list_hook(case: Case, compiled: CompiledCase, out: EngineOutput
                   ) -> tuple[str, LongListLens] | None:
    """Lens hook: the ``long_list`` payload when the case has a ``long_list:`` section."""
    del compiled, out
    section = case.sections.get("long_list")
    if not isinstance(section, LongListSection):
        return None
    return "long_list", LongListLens(long_list=section.long_list)


def write_mca_tables(result: AppraisalResult, stage: Path) -> list[str]:
    """Output writer: ``mca_scores.csv`` and ``long_list.csv`` when the run has them."""
    from appraisal.io.csv_safe import write_csv

    names = []
    for key in ("mca", "long_list"):
        payload = result.lenses.get(key)
        if isinstance(payload, MCALens | LongListLens):
            for name, frame in payload.to_frames().items():
                write_csv(frame, Path(stage) / name)
                names.append(name)
    return names


mca_hook.lens_name = "mca"  # type: ignore[attr-defined]
long_list_hook.lens_name = "long_list"  # type: ignore[attr-defined]


def register() -> None:
    """Register the sections, hooks and output writer (idempotent; done at import)."""
    from appraisal.io.outputs import OUTPUT_WRITERS
    from appraisal.pipeline import LENS_HOOKS
    from appraisal.schema import SECTION_PARSERS

    SECTION_PARSERS["mca"] = parse_mca_case_section
    SECTION_PARSERS["long_list"] = parse_long_list_case_section
    for hook in (mca_hook, long_list_hook):
        if hook not in LENS_HOOKS:
            LENS_HOOKS.append(hook)
    if write_mca_tables not in OUTPUT_WRITERS:
        OUTPUT_WRITERS.append(write_mca_tables)


register()
