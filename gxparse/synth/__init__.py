"""Synthetic reports: a report's values as data (:class:`ReportSpec`) and renderers that
print it in the layouts found in the wild. Used by the tests (layout variants, fuzzing)
and the benchmarks; analysts can use it to check a reader on a layout of their own."""

from gxparse.synth.model import ReportSpec, random_spec

__all__ = ["ReportSpec", "random_spec"]
