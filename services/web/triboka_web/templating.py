"""Jinja2 environment (gettext, formatting filters, role checks) and the one function pages render with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from triboka_web import i18n, labels
from triboka_web.auth import session_user
from triboka_web.csrf import FORM_FIELD, csrf_token
from triboka_web.flash import pop_flashes
from triboka_web.request_context import request_id_var
from triboka_web.roles import Action, can
from triboka_web.settings import SUPPORTED_LOCALES
from triboka_web.urls import template_url_for

TEMPLATES_DIR = Path(__file__).parent / "templates"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(("html",)),
    extensions=["jinja2.ext.i18n"],
)
environment.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
templates = Jinja2Templates(env=environment)
templates.env.filters.update(
    number=i18n.fmt_number,
    date=i18n.fmt_date,
    datetime=i18n.fmt_datetime,
    status_label=labels.status_label,
    status_colour=labels.status_colour,
    options=lambda items, value="id", text="name": [(item[value], item[text]) for item in items],
)
templates.env.globals.update(
    Action=Action,
    LOCALES=SUPPORTED_LOCALES,
    LOCALE_NAMES=i18n.LOCALE_NAMES,
    current_locale=i18n.current_locale,
    url_for=template_url_for,  # paths by route name (Starlette's own gives absolute URLs)
)


def json_data(element_id: str, data: object) -> Markup:
    """A non-executable JSON block that static JS reads; CSP-safe, since no script runs inline."""
    text = (
        json.dumps(data, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    return Markup('<script type="application/json" id="{}">{}</script>').format(element_id, Markup(text))  # noqa: S704


templates.env.globals["json_data"] = json_data


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    user = session_user(request)
    base = {
        "user": user,
        "can": (lambda action: can(user.role, action)) if user else (lambda _action: False),
        "csrf_field": FORM_FIELD,
        "csrf_token": csrf_token(request),
        "flashes": pop_flashes(request),
        "request_id": request_id_var.get(),
    }
    return templates.TemplateResponse(request, name, {**base, **(context or {})}, status_code=status_code)
