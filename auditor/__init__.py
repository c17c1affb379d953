"""test-auditor: measure what line coverage cannot see.

The package is organised like pip-audit: one small interface per concept
(:mod:`auditor.analysis` for analyses, :mod:`auditor.reports` for report
formats) and one module per implementation; :mod:`auditor.runner` composes
them around one result model (:mod:`auditor.model`).
"""

__version__ = "0.1.0"
