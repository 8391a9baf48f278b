"""§10.12 on the dashboard: static files under fingerprinted names (immutable for a year, gzipped once), pages
gzipped above a threshold, and `static_base_url` for a CDN, which the Content-Security-Policy then allows."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from starlette.testclient import TestClient
from triboka_web.app import STATIC_DIR, create_app
from triboka_web.settings import Settings
from triboka_web.static_assets import IMMUTABLE, SHORT, StaticAssets

STATIC_LINK = re.compile(r'(?:href|src)="([^"]*/static/[^"]+|https://cdn\.example\.com/[^"]+)"')
FINGERPRINT = re.compile(r"\.[0-9a-f]{12}\.[a-z0-9]+$")
CDN = "https://cdn.example.com/triboka/static"


def _links(html: str) -> list[str]:
    return STATIC_LINK.findall(html)


@pytest.fixture(scope="module")
def local() -> Iterator[TestClient]:
    """The dashboard in-process (the login page needs no API)."""
    with TestClient(create_app(Settings())) as client:
        yield client


def test_pages_link_every_static_file_by_its_fingerprint(anonymous: httpx.Client) -> None:
    links = _links(anonymous.get("/login").text)
    assert len(links) >= 6  # styles, scripts, icon
    for link in links:
        assert FINGERPRINT.search(link), link
        response = anonymous.get(link)
        assert response.status_code == 200, link
        assert response.headers["cache-control"] == IMMUTABLE


def test_a_fingerprinted_file_is_its_file_gzipped_once(anonymous: httpx.Client) -> None:
    link = next(link for link in _links(anonymous.get("/login").text) if "bootstrap.bundle" in link)
    packed = anonymous.get(link, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["vary"]
    on_disk = (STATIC_DIR / "vendor" / "bootstrap" / "bootstrap.bundle.min.js").read_bytes()
    assert packed.content == on_disk  # httpx decoded it
    assert int(packed.headers["content-length"]) < len(on_disk) / 2
    plain = anonymous.get(link, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == on_disk


def test_an_already_compressed_font_is_sent_as_stored(anonymous: httpx.Client) -> None:
    icons = next(link for link in _links(anonymous.get("/login").text) if "bootstrap-icons" in link)
    css = anonymous.get(icons).text
    fonts = re.findall(r'url\("(fonts/[^"]+)"\)', css)
    assert fonts
    assert all(FINGERPRINT.search(font) for font in fonts)
    woff2 = next(font for font in fonts if font.endswith(".woff2"))
    response = anonymous.get(f"{icons.rsplit('/', 1)[0]}/{woff2}", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "font/woff2"
    assert "content-encoding" not in response.headers
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["access-control-allow-origin"] == "*"  # a CDN origin may serve it to the pages


def test_the_plain_name_is_short_cached_and_revalidated(anonymous: httpx.Client) -> None:
    first = anonymous.get("/static/css/app.css")
    assert first.headers["cache-control"] == SHORT
    again = anonymous.get("/static/css/app.css", headers={"If-None-Match": first.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    assert anonymous.get("/static/css/app.css", headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.parametrize(
    "path", ["/static/../app.py", "/static/%2e%2e/settings.py", "/static/vendor", "/static/", "/static/x.css"]
)
def test_nothing_outside_the_files_is_served(local: TestClient, path: str) -> None:
    assert local.get(path).status_code == 404


def test_only_get_and_head(local: TestClient) -> None:
    assert local.post("/static/css/app.css").status_code == 405
    head = local.head("/static/css/app.css")
    assert (head.status_code, head.content) == (200, b"")


def test_a_new_content_gets_a_new_name_and_stylesheets_follow(tmp_path: Path) -> None:
    (tmp_path / "css").mkdir()
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "icons.woff2").write_bytes(b"font v1")
    css = 'a{background:url(../fonts/icons.woff2?v=1#x)} b{background:url("data:image/svg+xml,%3csvg")}'
    (tmp_path / "css" / "site.css").write_text(css)
    before = StaticAssets(tmp_path)
    font_name = before.name("fonts/icons.woff2")
    assert FINGERPRINT.search(font_name)
    assert before.name("css/site.css") != "css/site.css"
    assert before.name("missing.js") == "missing.js"

    (tmp_path / "fonts" / "icons.woff2").write_bytes(b"font v2")
    after = StaticAssets(tmp_path)
    assert after.name("fonts/icons.woff2") != font_name
    # the stylesheet now links the new font, so its own content and name changed too
    assert after.name("css/site.css") != before.name("css/site.css")


def test_stylesheet_references_are_rewritten_and_data_urls_left_alone(
    local: TestClient, tmp_path: Path
) -> None:
    (tmp_path / "css").mkdir()
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "logo.svg").write_text("<svg/>")
    (tmp_path / "css" / "site.css").write_text(
        "a{background:url('../img/logo.svg#i')} b{background:url(data:image/png;base64,AA)} c{background:url(/x.png)}"
    )
    assets = StaticAssets(tmp_path)
    served = dict(assets._served)  # the stylesheet as sent
    body = served[assets.name("css/site.css")][0].body.decode()
    assert f'url("../{assets.name("img/logo.svg")}#i")' in body
    assert "url(data:image/png;base64,AA)" in body
    assert "url(/x.png)" in body


def test_pages_are_gzipped_above_the_threshold(client_for) -> None:
    client = client_for("admin")
    packed = client.get("/lots", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["vary"]
    assert packed.headers["cache-control"] == "no-store"  # pages are never cached, compressed or not
    plain = client.get("/lots", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert len(gzip.compress(plain.content)) < len(plain.content)


def test_static_base_url_moves_the_files_to_the_cdn_and_the_policy_allows_it() -> None:
    with TestClient(create_app(Settings(static_base_url=CDN))) as client:
        page = client.get("/login")
    links = _links(page.text)
    assert links
    assert all(link.startswith(f"{CDN}/") and FINGERPRINT.search(link) for link in links)
    policy = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    for directive in ("script-src", "style-src", "font-src", "img-src"):
        assert "https://cdn.example.com" in policy[directive].split(), directive
    assert "https://cdn.example.com" not in policy["connect-src"]
    assert "cdn.example.com" not in policy["default-src"]


def test_without_a_cdn_the_policy_stays_self_only(local: TestClient) -> None:
    policy = local.get("/login").headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "font-src 'self';" in policy


@pytest.mark.parametrize(
    "value",
    ["cdn.example.com", "https://cdn.example.com/static/", "javascript:alert(1)", "https://a b", "ftp://x"],
)
def test_a_malformed_static_base_url_is_refused_at_start(value: str) -> None:
    with pytest.raises(ValidationError):
        Settings(static_base_url=value)
