"""Links and redirects by route name: every URL the dashboard emits is built from its routes, so a path is
written once (in its router) and a rename cannot leave a dead link behind."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import quote

from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse

# distinct (route, parameters) paths remembered per process: a page links a few dozen, over a few thousand ids
PATH_CACHE_SIZE = 4096


def path_for(request: Request, name: str, **params: Any) -> str:
    """The path (not the absolute URL: links stay relative to whatever host and scheme the browser used) of
    route `name`; each parameter is percent-encoded as one path segment (a lot code may hold any character),
    except the static mount's `path`, which is a file path under it."""
    encoded = {key: quote(str(value), safe="/" if key == "path" else "") for key, value in params.items()}
    return _route_path(request.app, name, tuple(sorted(encoded.items())))


@lru_cache(maxsize=PATH_CACHE_SIZE)
def _route_path(app: Starlette, name: str, params: tuple[tuple[str, str], ...]) -> str:
    """Reversing a route walks the route table (FastAPI's included routers: ~0.2 ms a link, half of a page's CPU
    with the ~80 links of the layout); the table does not change while the app runs, so each path is built once."""
    return str(app.url_path_for(name, **dict(params)))


def redirect_to(request: Request, name: str, **params: Any) -> RedirectResponse:
    """303 See Other to route `name`: after a form post the browser follows it with a GET."""
    return RedirectResponse(path_for(request, name, **params), status_code=303)


def static_url(request: Request, path: str) -> str:
    """A static file's fingerprinted URL (triboka_web/static_assets.py): on the CDN when `static_base_url` is
    set, else under this service's /static."""
    assets = request.app.state.static_assets
    name = assets.name(path)
    return f"{assets.base_url}/{name}" if assets.base_url else path_for(request, "static", path=name)


@pass_context
def template_url_for(context: Context, name: str, **params: Any) -> str:
    """`url_for` in templates: the page's request resolves the route (replaces Starlette's absolute-URL one);
    `url_for('static', path=...)` gives the fingerprinted file."""
    if name == "static":
        return static_url(context["request"], params["path"])
    return path_for(context["request"], name, **params)
