"""Triboka API service."""

from importlib.metadata import version

# pyproject.toml is the one place the version is written (the chart's appVersion states the same release)
__version__ = version("triboka-api")
