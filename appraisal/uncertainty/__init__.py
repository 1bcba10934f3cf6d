"""Uncertainty and sensitivity kernels: distributions, sampling, backends and analyses.

Everything here works against one generic model interface, ``model(inputs) -> outputs``:
named input arrays with a leading draws axis in, named output arrays with the same
leading axis out. The appraisal engine is one such model.

- :mod:`~appraisal.uncertainty.distributions`: input distributions with a vectorised
  ``ppf`` and their parsing from plain data.
- :mod:`~appraisal.uncertainty.correlation`: rank correlation (Iman–Conover, Gaussian
  copula) and parameter groups.
- :mod:`~appraisal.uncertainty.sampling`: seeded, block-wise Monte Carlo sampling and
  chunked evaluation.
- :mod:`~appraisal.uncertainty.backends`: serial, local-process and Dask evaluation.
- :mod:`~appraisal.uncertainty.summaries`: moments, percentiles, probabilities and
  acceptability curves.
- :mod:`~appraisal.uncertainty.gsa`: Sobol, Morris and given-data sensitivity indices
  (the only importer of SALib).
- :mod:`~appraisal.uncertainty.voi`: expected value of (partial) perfect information.
"""

from appraisal.uncertainty.backends import (
    Backend,
    DaskBackend,
    ProcessBackend,
    SerialBackend,
    resolve_backend,
)
from appraisal.uncertainty.correlation import (
    CORRELATION_METHODS,
    Correlation,
    CorrelationGroup,
    correlation_factor,
    gaussian_copula,
    iman_conover,
    parse_correlation,
    spearman_to_normal,
)
from appraisal.uncertainty.distributions import (
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
from appraisal.uncertainty.gsa import (
    ConvergenceReport,
    ConvergenceStep,
    SensitivityResult,
    given_data_indices,
    morris_screening,
    saltelli_unit_sample,
    sobol_analysis,
    sobol_convergence,
    sobol_first_total,
)
from appraisal.uncertainty.sampling import (
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
from appraisal.uncertainty.summaries import (
    DEFAULT_PERCENTILES,
    AcceptabilityCurve,
    OutputSummary,
    acceptability_curve,
    acceptability_sweep,
    probability_above,
    probability_best,
    summarise,
    wilson_interval,
)
from appraisal.uncertainty.voi import (
    EVPPIResult,
    cubic_spline_basis,
    evpi,
    evppi,
    evppi_table,
    regression_basis,
)

__all__ = [
    "CORRELATION_METHODS",
    "DEFAULT_BLOCK_SIZE",
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_PERCENTILES",
    "DISTRIBUTION_KINDS",
    "PERT",
    "AcceptabilityCurve",
    "Backend",
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
    "OutputSummary",
    "ProcessBackend",
    "SensitivityResult",
    "SerialBackend",
    "Triangular",
    "Uniform",
    "acceptability_curve",
    "acceptability_sweep",
    "central_inputs",
    "correlation_factor",
    "cubic_spline_basis",
    "evpi",
    "evppi",
    "evppi_table",
    "gaussian_copula",
    "given_data_indices",
    "iman_conover",
    "morris_screening",
    "parse_correlation",
    "parse_distribution",
    "probability_above",
    "probability_best",
    "regression_basis",
    "resolve_backend",
    "run_monte_carlo",
    "saltelli_unit_sample",
    "sample_chunk",
    "sample_inputs",
    "seed_sequence",
    "sobol_analysis",
    "sobol_convergence",
    "sobol_first_total",
    "spearman_to_normal",
    "summarise",
    "uniform_block",
    "wilson_interval",
]
