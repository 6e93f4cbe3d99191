"""Webcare reports: the KPIs of a monitor over a window (kpis.py), shown as a table or JSON (render.py)."""

from pipeline.reports.kpis import Report, Response, Window, build_report

__all__ = ["Report", "Response", "Window", "build_report"]
