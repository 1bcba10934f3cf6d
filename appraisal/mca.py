"""Multi-criteria analysis: the public names of :mod:`appraisal.lenses.mca`.

``import appraisal.mca`` keeps working where the lens lives in :mod:`appraisal.lenses`;
see that package for the workflow and its examples.
"""

from appraisal.lenses.mca import *  # noqa: F403
from appraisal.lenses.mca import __all__  # noqa: F401
