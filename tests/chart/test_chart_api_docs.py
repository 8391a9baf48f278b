"""Issue 17: the API's interactive documentation is off in a release unless `api.docs` turns it on."""

from __future__ import annotations

import pytest
from chart_render import RenderError, get, render_chart


@pytest.mark.parametrize(("values", "expected"), [({}, "false"), ({"api": {"docs": True}}, "true")])
def test_api_docs_value_reaches_the_api(values: dict, expected: str) -> None:
    assert get(render_chart(values), "ConfigMap", "api")["data"]["TRIBOKA_API_DOCS"] == expected


def test_api_docs_must_be_a_boolean() -> None:
    with pytest.raises(RenderError, match="docs"):
        render_chart({"api": {"docs": "yes"}})
