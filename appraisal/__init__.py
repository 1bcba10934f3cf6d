"""appraisal: public-value appraisal extending HM Treasury Green Book cost-benefit analysis.

One case, several lenses, one vectorised engine. Start with :func:`load_case` and
:func:`evaluate`::

    >>> import appraisal
    >>> case = appraisal.load_case(appraisal.example_path("minimal"))
    >>> result = appraisal.evaluate(case)
    >>> result.preferred_option, round(result.option("New service").inc_npsv, 1)
    ('Business as usual', -23.7)
"""

from importlib import metadata as _metadata

try:
    #: The installed version of the toolkit (``"0+unknown"`` when run from a source tree
    #: that was never installed).
    __version__: str = _metadata.version("appraisal")
except _metadata.PackageNotFoundError:  # pragma: no cover - a bare source checkout
    __version__ = "0+unknown"

from appraisal.cba import benefit_cost_ratio, vfm_category
from appraisal.checks import check_case
from appraisal.discounting import discount_factors
from appraisal.equity import atkinson_index, ede_income, equity_weights, income_ratios
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
from appraisal.io.load import example_path, load_case
from appraisal.model import Case, Line, Option, Profile
from appraisal.parameters import ParameterPack
from appraisal.pipeline import evaluate
from appraisal.results import AppraisalResult
from appraisal.unit_values import UnitValuePack, load_unit_values, shipped_unit_values
from appraisal.valuation import additionality_factor, outcome_chain

# Lenses that add case sections and result payloads register themselves on import.
import appraisal.affordability  # isort: skip
import appraisal.cea_lens  # isort: skip
import appraisal.mca.lens  # isort: skip
import appraisal.uncertainty.lens  # noqa: F401  isort: skip

#: Names whose modules (the Excel front end) are imported on first use, PEP 562: they are
#: in ``__all__`` and ``dir(appraisal)`` like the others, but ``import appraisal`` does not
#: load them.
_LAZY = {
    "convert_case": "appraisal.io.convert",
    "read_case_workbook": "appraisal.io.excel_read",
    "workbook_changes": "appraisal.io.excel_diff",
    "write_results_workbook": "appraisal.io.excel_results",
    "write_template": "appraisal.io.excel_template",
}


def __getattr__(name: str) -> object:
    """Import a lazily loaded public name on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'appraisal' has no attribute {name!r}"
        raise AttributeError(msg)
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))



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
    "read_case_workbook",
    "shipped_unit_values",
    "vfm_category",
    "workbook_changes",
    "write_results_workbook",
    "write_template",
]
