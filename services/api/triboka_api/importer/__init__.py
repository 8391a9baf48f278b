"""`triboka-api import-sqlite`: a first-generation SQLite database into this schema, with a complete report."""

from triboka_api.importer.core import SqliteImporter
from triboka_api.importer.report import ImportExit, ImportReport

__all__ = ["ImportExit", "ImportReport", "SqliteImporter"]
