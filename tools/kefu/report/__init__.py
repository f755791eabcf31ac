"""kefu report: a month of checked records as KPIs, tables and charts (HTML, PDF, Excel, CSV)."""
