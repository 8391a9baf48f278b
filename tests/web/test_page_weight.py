"""Bytes on the wire in headless Chromium (§10.12, issue 16 goal 4): a first visit fetches the static files once,
compressed; every later page fetches only itself, because the fingerprinted files are cached as immutable."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from bench.page_weight import load
from tests.web.flows import sign_in

pytestmark = pytest.mark.browser


def test_a_second_page_fetches_no_static_file_again(page: Page, stack) -> None:
    first = load(page, f"{stack.web.url}/login")  # a fresh browser context: a cold cache
    assert len(first.static()) >= 6
    assert first.fetched_static() == [e["name"] for e in first.static()]
    # compressed on the wire: the scripts and styles arrive as far less than they decode to
    assert (
        sum(e["encodedBodySize"] for e in first.static())
        < sum(e["decodedBodySize"] for e in first.static()) / 2
    )

    sign_in(page, stack.accounts["exporter"])
    for path in ("/dashboard", "/lots", "/dashboard"):
        later = load(page, f"{stack.web.url}{path}")
        assert later.static(), path  # the page does use the files...
        assert later.fetched_static() == [], path  # ...from the cache, not the network
        print(f"{path}: {later.transferred} bytes on the wire (first visit to /login: {first.transferred})")
