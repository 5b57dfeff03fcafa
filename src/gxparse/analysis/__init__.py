"""Analysis: the tidy tables → findings and metrics.

In: the tables of a corpus. Out: ``findings`` (``checks``: every finding an oversight
analyst acts on, from a catalog), derived ``metrics`` with their written definitions, and
analyst decisions applied (``review``).
"""
