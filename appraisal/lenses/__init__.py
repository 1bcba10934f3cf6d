"""The lenses: what an appraisal shows beside the cost-benefit analysis.

:data:`appraisal.lenses.catalogue.LENSES` lists them explicitly (public value, MCA and
long list, uncertainty), each with the case sections it reads and how it runs;
:func:`appraisal.lenses.pipeline.evaluate` runs them after the engine. Imports the
foundation, :mod:`appraisal.params`, :mod:`appraisal.greenbook`, :mod:`appraisal.case` and
:mod:`appraisal.engine`; never :mod:`appraisal.inputs`, :mod:`appraisal.outputs` or
:mod:`appraisal.cli`.
"""
