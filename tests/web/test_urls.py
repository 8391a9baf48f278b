"""Every link, form action and asset of the dashboard is built by route name (`url_for` in templates,
`redirect_to`/`path_for` in routes), so a path lives in one place: nothing is hard-coded, every name resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.routing import NoMatchFound, Route
from triboka_web.app import create_app
from triboka_web.routes import ROUTERS
from triboka_web.settings import Settings
from triboka_web.urls import path_for

TEMPLATES = Path(__file__).resolve().parents[2] / "services/web/triboka_web/templates"
ROUTER_SOURCES = TEMPLATES.parent / "routes"
HARD_CODED = re.compile(r'(href|action|src)="/')
NAMED = re.compile(r"url_for\('([a-z_]+)'")


@pytest.fixture(scope="module")
def request_() -> Request:
    return Request({"type": "http", "app": create_app(Settings()), "path": "/", "headers": []})


def test_no_template_hard_codes_a_path() -> None:
    found = [
        f"{path.name}:{n}"
        for path in TEMPLATES.rglob("*.html")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if HARD_CODED.search(line)
    ]
    assert found == []


def test_no_router_redirects_to_a_literal_path() -> None:
    found = [
        f"{path.name}:{n}"
        for path in ROUTER_SOURCES.glob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r'RedirectResponse\(f?"/', line)
    ]
    assert found == []


def test_route_names_are_unique_and_every_template_name_resolves(request_: Request) -> None:
    names = [route.name for router in ROUTERS for route in router.routes if isinstance(route, Route)]
    assert len(names) == len(set(names))
    used = {name for path in TEMPLATES.rglob("*.html") for name in NAMED.findall(path.read_text())}
    assert used <= {*names, "static"}, used - set(names)
    assert len(used) > 40  # the templates link by name


def test_paths_are_the_routes_and_encode_their_parameters(request_: Request) -> None:
    assert path_for(request_, "lot_detail", lot_id=7) == "/lots/7"
    assert path_for(request_, "timeline", entity_type="lot", entity_id=3) == "/trace/lot/3"
    assert path_for(request_, "verify_lot", lot_code="LOT A/1?x") == "/verify/LOT%20A%2F1%3Fx"
    assert path_for(request_, "static", path="css/app.css") == "/static/css/app.css"
    with pytest.raises(NoMatchFound):
        path_for(request_, "no_such_page")
