"""Spreadsheets → canonical records → store. The command line is ``python -m loaders``."""

from .api import import_files, import_reports, inspect_file, inspect_files
from .errors import LoaderError, StoreError, UnreadableFile
from .records import Dataset, FileReport, Issue, Record, Severity

__all__ = [
    "Dataset",
    "FileReport",
    "Issue",
    "LoaderError",
    "Record",
    "Severity",
    "StoreError",
    "UnreadableFile",
    "import_files",
    "import_reports",
    "inspect_file",
    "inspect_files",
]
