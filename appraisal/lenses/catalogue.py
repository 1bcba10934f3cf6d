"""The lenses: what an appraisal shows beside the cost-benefit analysis, listed explicitly.

Each :class:`Lens` says which case sections it reads (and the parser of each), how it runs
on the compiled case and the engine's output, and whether it runs by default or only on
request. :data:`LENSES` is the one tuple of them, in the order their payloads appear in
``results.json``; nothing is registered by importing a module.

==================  =====================================================  ==============
payload             what                                                   case sections
==================  =====================================================  ==============
valuation           valued lines, NPSV at low and high unit values         (lines)
public_value        who pays and who benefits (:mod:`.ledger`)             (lines)
distributional      equity-weighted NPSV, η sweep (:mod:`.distributional`)  distribution
non_monetised       the seven-point register                               non_monetised
mca                 multi-criteria analysis (:mod:`.mca`)                  mca
long_list           the options framework filter                           long_list
uncertainty         scenarios ... Sobol (:mod:`.uncertainty`), on request  uncertainty
affordability       the financial case in cash (:mod:`.affordability`)     affordability
cost_effectiveness  ICER, INB, frontier (:mod:`.cost_effectiveness`)       cost_effectiveness
==================  =====================================================  ==============

The sections ``distribution`` and ``non_monetised`` are part of the core schema
(:mod:`appraisal.case.public_value`); the others are read by the parsers listed here,
which the readers pass to :func:`appraisal.case.schema.build_case` (:func:`section_parsers`).

Examples
--------
>>> [lens.name for lens in LENSES]
['public_value', 'mca', 'uncertainty', 'affordability', 'cost_effectiveness']
>>> sorted(section_parsers())
['affordability', 'cost_effectiveness', 'long_list', 'mca', 'uncertainty']
>>> lens_names()["uncertainty"], lens_names()["valuation"]
(True, False)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any

from appraisal.lenses.public_value import LENS_KEYS, public_value_lenses

if TYPE_CHECKING:
    from appraisal.case.model import Case
    from appraisal.engine.compile import CompiledCase, EngineOutput

__all__ = ["LENSES", "Deferred", "Lens", "lens_names", "section_parsers"]


@dataclass(frozen=True, slots=True)
class Lens:
    """One lens of the appraisal.

    Attributes
    ----------
    name : str
        What the lens is called (in messages and in ``evaluate(case, lenses=...)`` it is
        the payload names that count).
    payloads : tuple of str
        The keys of :attr:`AppraisalResult.lenses` (and of ``results.json``) it can give,
        in order. Each payload offers ``to_dict()``, and may offer ``to_frames()`` (CSV
        tables), ``summary_lines()`` (the command line) and ``report_context()``.
    run : callable
        ``run(case, compiled, out, wanted)`` returns the payloads that apply to the case,
        by key; ``wanted(key)`` says which the caller asked for, so a lens can skip work.
    sections : mapping
        Optional case sections the lens reads, each with its parser
        ``parser(raw, *, case_data, option_names, locate, issues, path)``.
    on_request : bool
        True when the lens is too slow to run by default (thousands of model runs).
    tables : bool
        Whether a run's output folder gets the payloads' CSV tables (the uncertainty
        lens writes its own with ``appraisal uncertainty``).
    """

    name: str
    payloads: tuple[str, ...]
    run: Callable[[Case, CompiledCase, EngineOutput, Callable[[str], bool]],
                  Mapping[str, Any]]
    sections: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    on_request: bool = False
    tables: bool = True


@dataclass(frozen=True, slots=True)
class Deferred:
    """A function of a lens module, imported on its first call, not with this module.

    The lenses that read their own sections are imported when a case has the section or
    the lens runs: a case without an MCA never imports the MCA package.
    ``tests/test_architecture.py`` reads each ``Deferred("module", ...)`` here as an
    import of that module, so the layering rules cover it.

    Examples
    --------
    >>> Deferred("appraisal.formatting", "format_money")(1500.0, unit="£")
    '£1,500'
    """

    module: str
    name: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(import_module(self.module), self.name)(*args, **kwargs)


#: Every lens, in the order of their payloads in ``results.json``.
LENSES: tuple[Lens, ...] = (
    Lens("public_value", LENS_KEYS, public_value_lenses),
    Lens("mca", ("mca", "long_list"), Deferred("appraisal.lenses.mca.lens", "mca_lenses"),
         sections={
             "mca": Deferred("appraisal.lenses.mca.case_section", "parse_mca_case_section"),
             "long_list": Deferred("appraisal.lenses.mca.case_section",
                                   "parse_long_list_case_section")}),
    Lens("uncertainty", ("uncertainty",),
         Deferred("appraisal.lenses.uncertainty.lens", "uncertainty_lenses"),
         sections={"uncertainty": Deferred("appraisal.lenses.uncertainty.section",
                                           "parse_uncertainty_section")},
         on_request=True, tables=False),
    Lens("affordability", ("affordability",),
         Deferred("appraisal.lenses.affordability", "affordability_lenses"),
         sections={"affordability": Deferred("appraisal.lenses.affordability",
                                             "parse_affordability_section")}),
    Lens("cost_effectiveness", ("cost_effectiveness",),
         Deferred("appraisal.lenses.cost_effectiveness", "cost_effectiveness_lenses"),
         sections={"cost_effectiveness": Deferred("appraisal.lenses.cost_effectiveness",
                                                  "parse_cost_effectiveness_section")}),
)


def section_parsers() -> dict[str, Callable[..., Any]]:
    """The optional case sections every lens reads, with their parsers (for the readers)."""
    return {name: parser for lens in LENSES for name, parser in lens.sections.items()}


def lens_names() -> dict[str, bool]:
    """Every payload :func:`appraisal.evaluate` can give, and whether it runs only on request."""
    return {key: lens.on_request for lens in LENSES for key in lens.payloads}
