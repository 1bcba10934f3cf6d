"""Cost-effectiveness (ICER, net benefit, frontier, CEAC): the public names of
:mod:`appraisal.greenbook.cea`.

``import appraisal.cea`` keeps working where the kernels live in :mod:`appraisal.greenbook`;
see that module for the methods, their conventions and their examples.
"""

from appraisal.greenbook.cea import *  # noqa: F403
from appraisal.greenbook.cea import __all__  # noqa: F401
