"""Parsing: one :class:`~gxparse.readers.document.Document` → the tables of one report.

In: a Document (lines, paragraphs and table cells with their sources). Out:
:class:`~gxparse.parsing.parse.ReportTables`, the contract's tables for that report, every
value with its status and source. The steps, in order: ``sections`` (the six parts),
``facts`` (body, year, title), ``tables`` with ``rows``, ``glued`` and ``stream`` (template
cells placed), ``narrative`` (figures stated in prose), ``derive`` (cells the template's
identities give), ``parse`` (the steps run together).
"""
