"""Uncertainty and sensitivity kernels: distributions, sampling, backends and analyses.

Everything here works against one generic model interface, ``model(inputs) -> outputs``:
named input arrays with a leading draws axis in, named output arrays with the same
leading axis out. The appraisal engine is one such model.

- :mod:`~appraisal.lenses.uncertainty.distributions`: input distributions with a vectorised
  ``ppf`` and their parsing from plain data.
- :mod:`~appraisal.lenses.uncertainty.correlation`: rank correlation (Iman–Conover, Gaussian
  copula) and parameter groups.
- :mod:`~appraisal.lenses.uncertainty.sampling`: seeded, block-wise Monte Carlo sampling and
  chunked evaluation.
- :mod:`~appraisal.lenses.uncertainty.backends`: serial, thread, local-process and Dask
  evaluation.
- :mod:`~appraisal.lenses.uncertainty.summaries`: moments, percentiles, probabilities and
  acceptability curves.
- :mod:`~appraisal.lenses.uncertainty.gsa`: Sobol, Morris and given-data sensitivity indices
  (the only importer of SALib).
- :mod:`~appraisal.lenses.uncertainty.voi`: expected value of (partial) perfect information.
- :mod:`~appraisal.lenses.uncertainty.test_functions`: the Ishigami and Sobol G functions with
  their analytic Sobol indices and partial variances, to check the machinery (not
  imported here).
"""

from appraisal.lenses.uncertainty.backends import (
    Backend,
    DaskBackend,
    ProcessBackend,
    SerialBackend,
    ThreadBackend,
    available_cores,
    resolve_backend,
)
from appraisal.lenses.uncertainty.case_model import (
    ENGINE_CHUNK,
    CaseModel,
    case_spec,
)
from appraisal.lenses.uncertainty.correlation import (
    CORRELATION_METHODS,
    Correlation,
    CorrelationGroup,
    correlation_factor,
    gaussian_copula,
    iman_conover,
    parse_correlation,
    spearman_to_normal,
)
from appraisal.lenses.uncertainty.deterministic import (
    FIELD_UNITS,
    OneWayResult,
    SwitchingResult,
    TwoWayResult,
    mean_effects,
    one_way,
    scenario_table,
    search_bounds,
    switching_value,
    switching_values,
    two_way,
)
from appraisal.lenses.uncertainty.distributions import (
    DISTRIBUTION_KINDS,
    PERT,
    Constant,
    Discrete,
    Distribution,
    Interval90,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
    parse_distribution,
)
from appraisal.lenses.uncertainty.lens import (
    ETA_GRID,
    UncertaintyResult,
    analyse_uncertainty,
    default_threads,
    monte_carlo_chunk,
    sobol_groups,
    uncertainty_hook,
    uncertainty_lenses,
)
from appraisal.lenses.uncertainty.sampling import (
    DEFAULT_BLOCK_SIZE,
    DEFAULT_CHUNK_SIZE,
    Chunk,
    ChunkPlan,
    Model,
    MonteCarloResult,
    central_inputs,
    run_monte_carlo,
    sample_chunk,
    sample_inputs,
    seed_sequence,
    uniform_block,
)
from appraisal.lenses.uncertainty.section import (
    FIELDS,
    LINE_FIELDS,
    TARGET_KEYS,
    UncertainInput,
    UncertaintySpec,
    parse_uncertainty_section,
    target_lines,
)
from appraisal.lenses.uncertainty.summaries import (
    DEFAULT_PERCENTILES,
    AcceptabilityCurve,
    OutputSummary,
    acceptability_curve,
    acceptability_sweep,
    mean_versus_central,
    probability_above,
    probability_best,
    summarise,
    wilson_interval,
)
from appraisal.lenses.uncertainty.voi import (
    EVPPIResult,
    cubic_spline_basis,
    evpi,
    evppi,
    evppi_many,
    evppi_table,
    regression_basis,
)

__all__ = [
    "CORRELATION_METHODS",
    "DEFAULT_BLOCK_SIZE",
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_PERCENTILES",
    "DISTRIBUTION_KINDS",
    "ENGINE_CHUNK",
    "ETA_GRID",
    "FIELDS",
    "FIELD_UNITS",
    "LINE_FIELDS",
    "PERT",
    "TARGET_KEYS",
    "AcceptabilityCurve",
    "Backend",
    "CaseModel",
    "Chunk",
    "ChunkPlan",
    "Constant",
    "ConvergenceReport",
    "ConvergenceStep",
    "Correlation",
    "CorrelationGroup",
    "DaskBackend",
    "Discrete",
    "Distribution",
    "EVPPIResult",
    "Interval90",
    "LogNormal",
    "Model",
    "MonteCarloResult",
    "Normal",
    "OneWayResult",
    "OutputSummary",
    "ProcessBackend",
    "SensitivityResult",
    "SerialBackend",
    "SwitchingResult",
    "ThreadBackend",
    "Triangular",
    "TwoWayResult",
    "UncertainInput",
    "UncertaintyResult",
    "UncertaintySpec",
    "Uniform",
    "acceptability_curve",
    "acceptability_sweep",
    "analyse_uncertainty",
    "available_cores",
    "case_spec",
    "central_inputs",
    "correlation_factor",
    "cubic_spline_basis",
    "default_threads",
    "evpi",
    "evppi",
    "evppi_many",
    "evppi_table",
    "gaussian_copula",
    "given_data_indices",
    "iman_conover",
    "mean_effects",
    "mean_versus_central",
    "monte_carlo_chunk",
    "morris_screening",
    "one_way",
    "parse_correlation",
    "parse_distribution",
    "parse_uncertainty_section",
    "probability_above",
    "probability_best",
    "regression_basis",
    "resolve_backend",
    "run_monte_carlo",
    "saltelli_unit_sample",
    "sample_chunk",
    "sample_inputs",
    "scenario_table",
    "search_bounds",
    "seed_sequence",
    "sobol_analysis",
    "sobol_convergence",
    "sobol_first_total",
    "sobol_groups",
    "spearman_to_normal",
    "summarise",
    "switching_value",
    "switching_values",
    "target_lines",
    "two_way",
    "uncertainty_hook",
    "uncertainty_lenses",
    "uniform_block",
    "wilson_interval",
]

#: Global sensitivity analysis imports SALib and scipy.stats (slow to import), so its names
#: are loaded on first use (PEP 562), not with ``import appraisal``: they are the names of
#: ``__all__`` not imported above (``gsa.__all__``; tests/test_uncertainty_api.py checks).
_LAZY_GSA = frozenset(__all__).difference(globals())


def __getattr__(name: str):
    """Imported on first use: the GSA functions (SALib), and ``analyse``
    (:func:`~appraisal.lenses.uncertainty.lens.analyse_uncertainty`: every analysis of a case's
    ``uncertainty:`` section, outside :func:`appraisal.evaluate`, which is deterministic
    unless asked)."""
    if name in _LAZY_GSA:
        from appraisal.lenses.uncertainty import gsa

        return getattr(gsa, name)
    if name == "analyse":
        return analyse_uncertainty
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)

