"""Writers of a run's files, all or nothing (:mod:`~appraisal.outputs.atomic`):
``results.json`` and the CSVs (:mod:`~appraisal.outputs.files`), ``results.xlsx`` and the
case template (the ``excel_*`` and ``xlsx_*`` modules), the HTML report
(:mod:`~appraisal.outputs.report`, the only jinja2 user) and matplotlib charts
(:mod:`~appraisal.outputs.plotting`). May import every layer below, :mod:`appraisal.inputs`
included; never :mod:`appraisal.cli`.
"""
