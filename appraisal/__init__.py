"""appraisal: public-value appraisal extending HM Treasury Green Book cost-benefit analysis.

One case, several lenses, one vectorised engine. Start with :func:`load_case` and
:func:`evaluate`::

    >>> import appraisal
    >>> case = appraisal.load_case(appraisal.example_path("minimal"))
    >>> result = appraisal.evaluate(case)
    >>> result.preferred_option, round(result.option("New service").inc_npsv, 1)
    ('Business as usual', -23.7)
"""

from appraisal.cba import benefit_cost_ratio, vfm_category
from appraisal.discounting import discount_factors
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
    "UnsafeInputError",
    "benefit_cost_ratio",
    "discount_factors",
    "evaluate",
    "example_path",
    "load_case",
    "vfm_category",
]
