"""Reporting: tables, findings and metrics → what analysts hand on.

In: a table set (or a Corpus). Out: charts with Chinese labels (``plotting``), the briefing
workbook (``export``, written by ``xlsx``), and the executed notebooks with their figures
(``pipeline``, the main job behind ``gxparse run``).
"""
