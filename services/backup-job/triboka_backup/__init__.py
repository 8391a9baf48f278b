"""Triboka backup job: consistent dumps, checksummed manifests, retention and restore."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("triboka-backup")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
