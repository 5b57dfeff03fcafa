"""Batch: many files → one checked table set.

In: files or folders of reports. Out: a :class:`~gxparse.batch.corpus.Corpus` (the tables
of every report, checked) in memory, or the table set written to disk. ``corpus`` reads and
checks; ``parallel`` spreads the parse over processes or a Dask cluster; ``cache`` keeps
per-file results; ``build`` writes Parquet and CSV; ``publish`` replaces a table set whole.
"""
