"""The case: its model (frozen value objects), the schema that builds it from plain data
(:mod:`~appraisal.case.schema`, :mod:`~appraisal.case.public_value`), the inverse
(:mod:`~appraisal.case.case_data`) and the workbook layout of its fields
(:mod:`~appraisal.case.sheets`). Imports only the foundation and :mod:`appraisal.params`.
"""
