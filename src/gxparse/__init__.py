"""gxparse: Chinese government information disclosure annual reports
(政府信息公开工作年度报告) to tidy pandas DataFrames, checked.

>>> import gxparse
>>> corpus = gxparse.read_reports("data/raw")
>>> corpus.applications.head()
"""

from gxparse.batch.corpus import Corpus, read_report, read_reports
from gxparse.parsing.parse import TABLES, ReportTables

__version__ = "0.1.0"

__all__ = ["TABLES", "Corpus", "ReportTables", "__version__", "read_report", "read_reports"]
