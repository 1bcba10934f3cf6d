"""Every workbook table of a case section, in workbook order: one explicit tuple.

A table is a :class:`~appraisal.case.lens_sheets.LensTable`; add a new one to
:data:`LENS_TABLES` here (the template, the results workbook and the reader all take the
tables from this tuple). The AHP pairwise matrices of the ``mca`` section are square grids,
not a table: :mod:`appraisal.case.lens_sheets_pairwise` (their ``MCA pairwise`` sheet follows
``MCA``). What neither holds stays on the long ``Sections`` sheet.
"""

from __future__ import annotations

from appraisal.case.lens_sheets import DISTRIBUTION, NON_MONETISED, LensTable
from appraisal.case.lens_sheets_finance import (
    AFFORDABILITY_FUNDING,
    AFFORDABILITY_LISTS,
    COST_EFFECTIVENESS,
    UNIT_VALUE_PACKS,
)
from appraisal.case.lens_sheets_mca import (
    LONG_LIST,
    LONG_LIST_OBJECTIVES,
    MCA_CRITERIA,
    MCA_WEIGHT_SETS,
    SHORT_LIST,
)
from appraisal.case.lens_sheets_uncertainty import CORRELATION, SCENARIOS, UNCERTAINTY

__all__ = ["LENS_TABLES"]

#: Every lens table, in workbook order.
LENS_TABLES: tuple[LensTable, ...] = (
    NON_MONETISED,
    DISTRIBUTION,
    MCA_WEIGHT_SETS,  # before MCA: the MCA sheet has a column per weight set
    MCA_CRITERIA,
    LONG_LIST_OBJECTIVES,  # before Long list: it has a column per objective
    LONG_LIST,
    SHORT_LIST,
    UNCERTAINTY,
    CORRELATION,
    SCENARIOS,
    UNIT_VALUE_PACKS,
    AFFORDABILITY_FUNDING,
    AFFORDABILITY_LISTS,
    COST_EFFECTIVENESS,
)
