"""The dashboard's log lines follow the services' one JSON schema (tests/support/logschema.py), read from the
output of the real web process."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.support.logschema import assert_same_implementation, assert_schema, log_lines
from tests.web.servers import Process


def _lines_of(process: Process, request_id: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [line for line in log_lines(process.log.read_text()) if line["request_id"] == request_id]
        if any(line["logger"] == "triboka_web.access" for line in lines):
            return lines
        time.sleep(0.1)
    raise AssertionError(f"no access line for {request_id} in {process.log}")


def test_the_schema_module_is_the_apis() -> None:
    assert_same_implementation("web")


def test_a_signed_in_request_logs_its_route_template_status_and_user(stack, client_for) -> None:
    client = client_for("exporter")
    account = stack.accounts["exporter"]
    login = {"email": account.email, "password": account.password}
    user_id = httpx.post(f"{stack.api.url}/api/auth/login", json=login).json()["user"]["id"]
    lot_page = client.get("/lots/999999", headers={"X-Request-ID": "web-log-check-1"})
    assert lot_page.status_code == 404
    lines = _lines_of(stack.web, "web-log-check-1")
    for line in lines:
        assert_schema(line)
    access = next(line for line in lines if line["logger"] == "triboka_web.access")
    assert_schema(access, request=True)
    assert access["route"] == "/lots/{lot_id}"  # the template: no raw IDs in the route key
    assert access["status"] == 404
    assert access["method"] == "GET"
    assert access["user_id"] == user_id


def test_an_unreachable_api_is_logged_with_the_request(web_without_api) -> None:
    response = httpx.get(f"{web_without_api.url}/login", headers={"X-Request-ID": "web-log-check-2"})
    assert response.status_code == 200
    lines = _lines_of(web_without_api, "web-log-check-2")
    access = next(line for line in lines if line["logger"] == "triboka_web.access")
    assert_schema(access, request=True)
    assert access["route"] == "/login"
    assert access["user_id"] is None
