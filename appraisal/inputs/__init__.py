"""Readers of the files a user writes: the YAML case, the case workbook and its
changes. Imports the library layers below it; never :mod:`appraisal.outputs` or
:mod:`appraisal.cli`.
"""
