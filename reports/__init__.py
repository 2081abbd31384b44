"""Reports: KPI queries, rollups, the supervisor's dashboard, CSV / PDF / JSON exports.

Read-only but for the rollups (``reports.rollup``): totals precomputed from the stored facts.
"""
