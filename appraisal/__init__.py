"""appraisal: public-value appraisal extending HM Treasury Green Book cost-benefit analysis.

One case, several lenses, one vectorised engine. Start with :func:`load_case` and
:func:`evaluate`::

    >>> import appraisal
    >>> case = appraisal.load_case(appraisal.example_path("minimal"))
    >>> result = appraisal.evaluate(case)
    >>> result.preferred_option, round(result.option("New service").inc_npsv, 1)
    ('Business as usual', -23.7)
"""

from appraisal.errors import (
    AppraisalError,
    AppraisalValidationError,
    BCRUndefinedError,
    Issue,
    NoSwitchingValueError,
    OutputError,
    ParameterError,
    PriceBaseMismatchError,
    UnconfirmedParameterError,
    UnsafeInputError,
)

#: Where each public name lives. They are imported on first use (PEP 562), so
#: ``import appraisal`` (and ``appraisal --help``) loads neither numpy nor the engine; the
#: names are in ``__all__`` and ``dir(appraisal)`` like any other.
_LAZY = {
    "AppraisalResult": "appraisal.engine.results",
    "Case": "appraisal.case.model",
    "Line": "appraisal.case.model",
    "Option": "appraisal.case.model",
    "ParameterPack": "appraisal.params.packs",
    "Profile": "appraisal.case.model",
    "UnitValuePack": "appraisal.params.unit_values",
    "additionality_factor": "appraisal.greenbook.valuation",
    "atkinson_index": "appraisal.greenbook.equity",
    "benefit_cost_ratio": "appraisal.greenbook.cba",
    "case_from_records": "appraisal.inputs.load",
    "case_to_records": "appraisal.case.case_data",
    "check_case": "appraisal.engine.checks",
    "convert_case": "appraisal.outputs.convert",
    "discount_factors": "appraisal.greenbook.discounting",
    "ede_income": "appraisal.greenbook.equity",
    "equity_weights": "appraisal.greenbook.equity",
    "evaluate": "appraisal.lenses.pipeline",
    "example_path": "appraisal.inputs.load",
    "income_ratios": "appraisal.greenbook.equity",
    "load_case": "appraisal.inputs.load",
    "load_unit_values": "appraisal.params.unit_values",
    "outcome_chain": "appraisal.greenbook.valuation",
    "plot": "appraisal.outputs.plotting",
    "read_case_workbook": "appraisal.inputs.excel_read",
    "shipped_unit_values": "appraisal.params.unit_values",
    "vfm_category": "appraisal.greenbook.cba",
    "workbook_changes": "appraisal.inputs.excel_diff",
    "write_results_workbook": "appraisal.outputs.excel_results",
    "write_template": "appraisal.outputs.excel_template",
}


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("appraisal")
    except metadata.PackageNotFoundError:  # pragma: no cover - a bare source checkout
        return "0+unknown"


def __getattr__(name: str) -> object:
    """Import a lazily loaded public name on first use (PEP 562)."""
    if name == "__version__":  # the installed version ("0+unknown" from a bare checkout)
        globals()[name] = value = _version()
        return value
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'appraisal' has no attribute {name!r}"
        raise AttributeError(msg)
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | {"__version__"})


__all__ = [
    "AppraisalError",
    "AppraisalResult",
    "AppraisalValidationError",
    "BCRUndefinedError",
    "Case",
    "Issue",
    "Line",
    "NoSwitchingValueError",
    "Option",
    "OutputError",
    "ParameterError",
    "ParameterPack",
    "PriceBaseMismatchError",
    "Profile",
    "UnconfirmedParameterError",
    "UnitValuePack",
    "UnsafeInputError",
    "additionality_factor",
    "atkinson_index",
    "benefit_cost_ratio",
    "case_from_records",
    "case_to_records",
    "check_case",
    "convert_case",
    "discount_factors",
    "ede_income",
    "equity_weights",
    "evaluate",
    "example_path",
    "income_ratios",
    "load_case",
    "load_unit_values",
    "outcome_chain",
    "plot",
    "read_case_workbook",
    "shipped_unit_values",
    "vfm_category",
    "workbook_changes",
    "write_results_workbook",
    "write_template",
]
