"""Per-request values that deeper layers (logging, the API client, gettext) read without being passed them."""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
locale_var: ContextVar[str | None] = ContextVar("locale", default=None)
