"""Reports: KPI queries, rollups, the supervisor's dashboard, CSV / PDF / JSON exports, simulate."""
