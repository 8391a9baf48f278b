"""`web.staticBaseUrl` (§10.12): the chart hands the CDN URL of the static files to the dashboard, which accepts
exactly what the values schema accepts."""

from __future__ import annotations

import pytest
from chart_render import RenderError, get, render_chart
from triboka_web.settings import Settings

CDN = "https://cdn.example.com/triboka/static"


def _web_config(values: dict) -> dict[str, str]:
    return get(render_chart({"web": values}), "ConfigMap", "web")["data"]


def test_static_files_are_served_by_the_dashboard_unless_a_cdn_is_named():
    assert _web_config({})["TRIBOKA_WEB_STATIC_BASE_URL"] == ""
    config = _web_config({"staticBaseUrl": CDN})
    assert config["TRIBOKA_WEB_STATIC_BASE_URL"] == CDN
    assert (
        Settings(static_base_url=config["TRIBOKA_WEB_STATIC_BASE_URL"]).static_origin
        == "https://cdn.example.com"
    )


@pytest.mark.parametrize("value", ["cdn.example.com", f"{CDN}/", "javascript:alert(1)", "https://a b"])
def test_a_malformed_static_base_url_is_refused_by_the_schema(value):
    with pytest.raises(RenderError, match="staticBaseUrl"):
        _web_config({"staticBaseUrl": value})
