"""Green Book kernels, each a plain array function plus a validating wrapper: prices,
discounting, optimism bias, valuation and additionality, the CBA metrics (NPSV, BCR,
switching values), equity weights, and the supplementary measures (financial measures,
cost-effectiveness). Imports only the foundation, :mod:`appraisal.params` and
:mod:`appraisal.case`.
"""
