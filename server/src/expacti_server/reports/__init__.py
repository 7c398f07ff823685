"""Compliance reports: expacti's evidence mapped to SOC 2 and ISO/IEC 27001:2022 controls.

``GET /api/v1/reports/compliance`` (routes.py) builds a ``ComplianceReport``
(service.py) from SQL aggregates over one organisation and time range
(sections/), maps it to the framework's controls (controls.py, items.py) and
renders it as JSON, CSV (csv_export.py) or PDF (pdf.py). docs/COMPLIANCE.md
describes the shape and what is, and is not, evidenced.
"""
