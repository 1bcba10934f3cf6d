"""Financial measures (NPV, IRR, MIRR, payback ...): the public names of
:mod:`appraisal.greenbook.finance`.

``import appraisal.finance`` keeps working where the kernels live in :mod:`appraisal.greenbook`;
see that module for the methods, their conventions and their examples.
"""

from appraisal.greenbook.finance import *  # noqa: F403
from appraisal.greenbook.finance import __all__  # noqa: F401
