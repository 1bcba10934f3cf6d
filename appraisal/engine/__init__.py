"""The engine: a case compiled once into arrays (:mod:`~appraisal.engine.compile`), the
common-error checks run on it (:mod:`~appraisal.engine.checks`), evaluation over any
number of draws, and the frozen result (:mod:`~appraisal.engine.results`).

Imports only the foundation, :mod:`appraisal.params`, :mod:`appraisal.case` and
:mod:`appraisal.greenbook`.
"""

from appraisal.engine.compile import CompiledCase, EngineOutput, compile_case, evaluate_arrays

__all__ = ["CompiledCase", "EngineOutput", "compile_case", "evaluate_arrays"]
