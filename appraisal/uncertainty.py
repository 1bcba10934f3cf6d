"""Sensitivity and uncertainty: the public names of :mod:`appraisal.lenses.uncertainty`.

``import appraisal.uncertainty`` keeps working where the lens lives in
:mod:`appraisal.lenses`; see that package for the analyses and their examples.
:mod:`~appraisal.lenses.uncertainty.test_functions` (Ishigami, Sobol G) is here as
``appraisal.uncertainty.test_functions``.
"""

from appraisal.lenses.uncertainty import *  # noqa: F403
from appraisal.lenses.uncertainty import (
    __all__,  # noqa: F401
    test_functions,  # noqa: F401
)
