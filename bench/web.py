"""The dashboard under wrk (issue 16 goal 3): each page beside the API calls it makes, measured in the same run on
the same machine, so that the page/API ratio holds whatever else the machine is doing; and the bytes a browser
downloads for the dashboard on a first and a second visit (bench/page_weight.py)."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from bench.seed import PASSWORD, Dataset

WEB_WORKERS = 2  # the chart's web.workers
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@dataclass(frozen=True)
class PageCase:
    name: str
    page: str
    as_user: str
    api_calls: tuple[str, ...]  # the API requests the page makes (issued concurrently), as the API logs them


@dataclass(frozen=True)
class Ratio:
    case: str
    page_rps: float
    api_rps: dict[str, float]
    load: float  # 1-minute load average when the page was measured

    @property
    def api_equivalent(self) -> float:
        """Pages per second the API could serve if it did nothing but this page's calls: its calls' cost summed."""
        return 1 / sum(1 / rps for rps in self.api_rps.values())

    @property
    def share(self) -> float:
        return self.page_rps / self.api_equivalent


def page_cases(data: Dataset, producer_lot_id: int) -> list[PageCase]:
    return [
        PageCase(
            "/lots (producer, 50 lots)",
            "/lots",
            data.producer_email,
            ("/api/lots?limit=21&offset=0", "/api/companies"),
        ),
        PageCase(
            "/lots/{id} (producer's lot detail)",
            f"/lots/{producer_lot_id}",
            data.producer_email,
            (f"/api/lots/{producer_lot_id}", f"/api/lots/{producer_lot_id}/traceability"),
        ),
        PageCase(
            "/exporter (exporter dashboard)", "/exporter", data.exporter_email, ("/api/dashboard/exporter",)
        ),
    ]


def first_lot_id(api: str, token: str) -> int:
    request = urllib.request.Request(f"{api}/api/lots?limit=1", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as response:
        return int(json.loads(response.read())[0]["id"])


def web_login(base: str, email: str) -> str:
    """Sign in through the dashboard's login form, as a browser does; the session cookie, as a Cookie header."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with browser.open(f"{base}/login") as page:
        field = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())
    form = {"csrf_token": field.group(1), "next": "/lots", "email": email, "password": PASSWORD}
    # 303 to /lots, followed: that page shows (and so drops from the session) the welcome message
    with browser.open(f"{base}/login", data=urllib.parse.urlencode(form).encode()) as answer:
        if urllib.parse.urlsplit(answer.geturl()).path != "/lots":
            raise RuntimeError(f"web login as {email} ended on {answer.geturl()}")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def check_signed_in(url: str, cookie: str) -> None:
    """wrk does not count redirects as errors: make sure the page answers itself, not with a redirect to /login."""
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie})) as answer:
        if answer.geturl() != url:
            raise RuntimeError(f"{url} with the bench session ended on {answer.geturl()}")


def measure_pages(
    web: str,
    api: str,
    cases: list[PageCase],
    tokens: dict[str, str],
    run: Callable[..., dict],
    settle: Callable[[], None],
) -> tuple[list[tuple[PageCase, dict]], list[Ratio]]:
    """Each page at 10 connections, then each of its API calls at 10 connections, back to back. `run(url, token=,
    cookie=)` is wrk; `settle()` waits until the servers are idle again. Returns wrk's rows and the ratios."""
    cookies = {email: web_login(web, email) for email in {case.as_user for case in cases}}
    rows: list[tuple[PageCase, dict]] = []
    ratios: list[Ratio] = []
    for case in cases:
        check_signed_in(web + case.page, cookies[case.as_user])
        load = os.getloadavg()[0]
        page = run(web + case.page, cookie=cookies[case.as_user])
        settle()
        api_rps = {}
        for call in case.api_calls:
            api_rps[call] = run(api + call, token=tokens[case.as_user])["rps"]
            settle()
        rows.append((case, page))
        ratio = Ratio(case.name, page["rps"], api_rps, load)
        ratios.append(ratio)
        print(
            f"web {case.name:40} page {page['rps']:.0f} req/s, its API calls {ratio.api_equivalent:.0f} pages/s "
            f"({', '.join(f'{c} {r:.0f}' for c, r in api_rps.items())}): {ratio.share:.2f}x, load {load:.1f}",
            flush=True,
        )
    return rows, ratios


def page_weight(web: str, cookie: str) -> str:
    """The dashboard's first and second load in headless Chromium (skipped, with the reason, without one)."""
    if shutil.which(CHROMIUM) is None:
        return f"Bytes on the wire: not measured ({CHROMIUM} is missing; `make web-chromium` installs it)."
    from bench.page_weight import measure

    first, second = measure(web, cookie, "/dashboard", CHROMIUM, CHROMIUM_ARGS)
    static = first.static()
    return "\n".join(
        [
            "## Bytes on the wire: the dashboard in Chromium",
            "",
            "`/dashboard` signed in as the producer, headless Chromium, from its Resource Timing entries "
            "(`transferSize`: headers and body as they crossed the network, 0 from the browser's cache; "
            "bench/page_weight.py). First load: cold cache; second: the same page again.",
            "",
            "| load | requests | from the network | bytes on the wire | decoded bytes |",
            "|---|---:|---:|---:|---:|",
            f"| first | {len(first.entries)} | {len([e for e in first.entries if e['transferSize']])} | "
            f"{first.transferred:,} | {first.decoded:,} |",
            f"| second | {len(second.entries)} | {len([e for e in second.entries if e['transferSize']])} | "
            f"{second.transferred:,} | {second.decoded:,} |",
            "",
            f"Static files on the first load: {len(static)}, {sum(e['encodedBodySize'] for e in static):,} bytes "
            f"compressed for {sum(e['decodedBodySize'] for e in static):,} decoded; on the second load fetched "
            f"again: {len(second.fetched_static())}.",
        ]
    )


def ratio_section(ratios: list[Ratio]) -> str:
    lines = [
        "## The dashboard against its API calls (issue 16 goal 3: each page >= 0.5x)",
        "",
        "Each page at 10 connections, then each API call it makes at 10 connections, right after it (same run, "
        "same machine). The API's rate for a page is what it could serve doing only that page's calls "
        "(1 / the sum of 1/req/s of each call); the page's share of it is the figure the goal sets. Load: the "
        "machine's 1-minute load average when the page was measured.",
        "",
        "| page | page req/s | its API calls (req/s each) | API pages/s | page / API | load |",
        "|---|---:|---|---:|---:|---:|",
    ]
    lines += [
        f"| {r.case} | {r.page_rps:,.0f} | {', '.join(f'`{c}` {rps:,.0f}' for c, rps in r.api_rps.items())} | "
        f"{r.api_equivalent:,.0f} | {r.share:.2f}x | {r.load:.1f} |"
        for r in ratios
    ]
    return "\n".join(lines)
