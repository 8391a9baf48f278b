"""Bytes on the wire for a dashboard page in headless Chromium, from the browser's own Resource Timing entries:
`transferSize` is what came over the network (headers and the possibly compressed body), 0 for what the browser
took from its cache. The first load has a cold cache; a later one should fetch the page itself and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page

# the navigation (the HTML) and every subresource the page loaded, once the load event has fired
ENTRIES_JS = """() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
  .map(e => ({name: e.name, transferSize: e.transferSize, encodedBodySize: e.encodedBodySize,
              decodedBodySize: e.decodedBodySize}))"""


@dataclass(frozen=True)
class Load:
    entries: list[dict[str, Any]]

    @property
    def transferred(self) -> int:
        return sum(e["transferSize"] for e in self.entries)

    @property
    def decoded(self) -> int:
        return sum(e["decodedBodySize"] for e in self.entries)

    def static(self) -> list[dict[str, Any]]:
        return [e for e in self.entries if "/static/" in e["name"]]

    def fetched_static(self) -> list[str]:
        """The static files that came over the network (not from the browser's cache)."""
        return [e["name"] for e in self.static() if e["transferSize"] > 0]


def load(page: Page, url: str) -> Load:
    """Navigate to `url` (a navigation, as following a link: not a reload, which revalidates) and wait until the
    network is quiet, so that fonts and late scripts are counted."""
    page.goto(url, wait_until="networkidle")
    return Load(page.evaluate(ENTRIES_JS))


def measure(base_url: str, cookie: str, path: str, chromium: str, args: list[str]) -> tuple[Load, Load]:
    """First (cold cache) and second load of `path`, signed in with the session `cookie` (`name=value`)."""
    from playwright.sync_api import sync_playwright

    name, value = cookie.split("=", 1)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=args)
        try:
            context = browser.new_context()
            context.add_cookies([{"name": name, "value": value, "url": base_url}])
            page = context.new_page()
            return load(page, base_url + path), load(page, base_url + path)
        finally:
            browser.close()
