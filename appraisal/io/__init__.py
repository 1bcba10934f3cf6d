"""Reading and writing appraisal files: YAML, Excel workbooks and their safety layer.

This is the only package that imports openpyxl. Its foundations are
:mod:`appraisal.io.atomic` (outputs are written to a temporary file and renamed,
never over an input), :mod:`appraisal.io.xlsx_safety` (workbooks are checked
before openpyxl parses them) and :mod:`appraisal.io.xlsx_cells` (user text is
always written as text, numbers must be finite, formulas carry cached values).
"""
