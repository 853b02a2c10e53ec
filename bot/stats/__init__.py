"""Statistics for the dashboard: daily figures aggregated in SQL, read back for charts, tables and reports."""
