"""Issue 11: HEAD on every GET page of the dashboard answers as GET without a body (items 15), and the number
filter renders whatever a row holds (NaN, infinities, 1e300, None, strings) without crashing (item 8)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from triboka_web import i18n
from triboka_web.app import create_app
from triboka_web.request_context import locale_var
from triboka_web.settings import Settings


def _parameterless_get_pages() -> list[str]:
    app = create_app(Settings())
    return sorted(
        route.path
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute) and "GET" in route.methods and "{" not in route.path
    )


PAGES = _parameterless_get_pages()


def test_head_answers_every_page_like_get_without_a_body(client_for) -> None:
    client = client_for("admin")
    assert len(PAGES) >= 8
    for page in [*PAGES, "/static/css/app.css"]:
        get = client.get(page)
        head = client.head(page)
        assert head.status_code == get.status_code, f"HEAD {page}: {head.status_code} vs {get.status_code}"
        assert head.content == b"", page
        assert head.headers.get("content-type") == get.headers.get("content-type"), page


ODD_VALUES = [
    float("nan"),
    float("inf"),
    float("-inf"),
    Decimal("NaN"),
    Decimal("Infinity"),
    None,
    "",
    "abc",
    "NaN",
    True,
    [1],
    {"a": 1},
]


@pytest.mark.parametrize("locale", ["es", "en"])
@pytest.mark.parametrize("value", ODD_VALUES, ids=repr)
def test_number_filter_renders_odd_values_as_a_dash(locale: str, value: object) -> None:
    token = locale_var.set(locale)
    try:
        assert i18n.fmt_number(value) == "—"
        assert i18n.fmt_number(value, 0, "kg") == "—"
    finally:
        locale_var.reset(token)


@pytest.mark.parametrize(
    ("value", "es", "en"),
    [
        (1e300, "1" + ".000" * 100 + ",00", "1" + ",000" * 100 + ".00"),
        (-1e300, "-1" + ".000" * 100 + ",00", "-1" + ",000" * 100 + ".00"),
        ("3250.5", "3.250,50", "3,250.50"),
        (Decimal("1E-9"), "0,00", "0.00"),
        (0, "0,00", "0.00"),
    ],
)
def test_number_filter_formats_huge_tiny_and_string_numbers(value: object, es: str, en: str) -> None:
    for locale, expected in (("es", es), ("en", en)):
        token = locale_var.set(locale)
        try:
            assert i18n.fmt_number(value) == expected
        finally:
            locale_var.reset(token)
