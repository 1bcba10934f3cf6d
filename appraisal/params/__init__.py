"""Published parameters with their provenance: the Green Book packs (CSV under ``data/``)
and user packs (:mod:`~appraisal.params.packs`), and unit-value packs
(:mod:`~appraisal.params.unit_values`). The lowest layer above the foundation
(:mod:`appraisal.errors`, :mod:`appraisal.limits`): it imports nothing else of the package.
"""
