"""Every workbook table of a case section, in workbook order: one explicit tuple.

A table is a :class:`~appraisal.case.lens_sheets.LensTable`; add a new one to
:data:`LENS_TABLES` here (the template, the results workbook and the reader all take the
tables from this tuple). What no table holds stays on the long ``Sections`` sheet.
"""

from __future__ import annotations

from appraisal.case.lens_sheets import DISTRIBUTION, NON_MONETISED, LensTable
from appraisal.case.lens_sheets_finance import (
    AFFORDABILITY_FUNDING,
    AFFORDABILITY_LISTS,
    COST_EFFECTIVENESS,
    UNIT_VALUE_PACKS,
)

__all__ = ["LENS_TABLES"]

#: Every lens table, in workbook order.
LENS_TABLES: tuple[LensTable, ...] = (
    NON_MONETISED,
    DISTRIBUTION,
    UNIT_VALUE_PACKS,
    AFFORDABILITY_FUNDING,
    AFFORDABILITY_LISTS,
    COST_EFFECTIVENESS,
)
