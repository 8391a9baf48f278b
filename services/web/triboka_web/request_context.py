"""Per-request values that deeper layers (logging, the API client, gettext) read without being passed them."""

from __future__ import annotations

from contextvars import ContextVar

from triboka_web.jsonlog import request_id_var

__all__ = ["locale_var", "request_id_var"]

locale_var: ContextVar[str | None] = ContextVar("locale", default=None)
