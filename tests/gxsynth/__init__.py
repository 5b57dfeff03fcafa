"""Synthetic reports: a report's values as data (:class:`ReportSpec`) and renderers that
print it in the layouts found in the wild. Used by the tests (layout variants, fuzzing)
and the benchmarks; analysts can use it to check a reader on a layout of their own.

>>> import random
>>> from gxsynth import random_spec, render, perturb
>>> spec = random_spec(random.Random(1), template="2019")
>>> text = perturb(render(spec, "cell_per_line", numbering="arabic"), random.Random(2))
"""

from gxsynth.model import ReportSpec, random_spec
from gxsynth.text import (
    LAYOUTS,
    NUMBER_FORMATS,
    NUMBERING_STYLES,
    PERTURBATIONS,
    perturb,
    render,
)

__all__ = [
    "LAYOUTS",
    "NUMBERING_STYLES",
    "NUMBER_FORMATS",
    "PERTURBATIONS",
    "ReportSpec",
    "perturb",
    "random_spec",
    "render",
]
