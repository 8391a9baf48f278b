"""Scenario 8: the API's replicas share one rate limit. With the in-chart Redis (the cluster overlays turn it on) and
the API at two replicas or more, `helm upgrade` sets the per-account login limit to LIMIT an hour; then wrong-password
logins for one account go through the ingress, which spreads them round robin over the API pods. Together the pods
let exactly LIMIT attempts through (401) and answer every later one with 429 and Retry-After, whichever pod serves
it: with a counter per pod they would have let LIMIT through each. Every attempt carries its own X-Request-ID, which
the API's JSON access log names, so the pods' logs tell which pod served which attempt.

It runs last: it leaves the release with that limit (the next `helm upgrade` with the suite's values resets it)."""

from __future__ import annotations

import json
import secrets
from collections import Counter

import httpx

from tests.e2e.cluster import wait_for
from tests.e2e.release import Release
from tests.e2e.report import record

# Below the exponential lockout's threshold (a 429 of its own), and an hour long so that no window boundary of a
# fixed- or sliding-window counter falls within the few seconds of the attempts.
LIMIT = 3
ATTEMPTS = 4 * LIMIT  # round robin: enough for each of two or three pods to serve more than LIMIT
LOGIN = "/api/auth/login"


def _served_by(release: Release, request_ids: set[str]) -> dict[str, tuple[str, int]]:
    """request id -> (pod, status) from the API pods' access log lines of the login route."""
    served: dict[str, tuple[str, int]] = {}
    for pod in release.pods("api"):
        name = pod.metadata.name
        for line in release.cluster.logs(release.namespace, name, "api").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("route") == LOGIN and entry.get("request_id") in request_ids:
                served[entry["request_id"]] = (name, entry["status"])
    return served


def _redis_keys(release: Release) -> list[str]:
    result = release.cluster.exec(
        release.namespace,
        f"{release.component('redis')}-0",
        ["sh", "-c", 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli --scan'],
        container="redis",
    )
    return result.check("redis-cli --scan").stdout.split()


def test_api_replicas_share_the_per_account_login_limit(
    release: Release, https: httpx.Client, admin_headers: dict[str, str]
) -> None:
    assert len(release.ready_pods("redis")) == 1, "the cluster overlay runs the in-chart Redis"
    email = f"ratelimit-{secrets.token_hex(4)}@e2e.triboka.test"
    created = https.post(
        "/api/users",
        json={
            "email": email,
            "first_name": "Rate",
            "last_name": "Limit",
            "role": "operator",
            "company_id": None,
            "password": "the-right-password-1",
        },
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text

    upgrade_s = release.upgrade("--set-string", f"api.rateLimit.authAccount={LIMIT}/hour")
    api_pods = release.ready_pods("api")
    assert len(api_pods) >= 2
    for pod in api_pods:
        env = {e.name: e.value for e in pod.spec.containers[0].env}
        assert env["TRIBOKA_REDIS_URL"].startswith("redis://:$(REDIS_PASSWORD)@"), pod.metadata.name
    # the ingress routes to every ready pod, and only to them
    wait_for(lambda: len(release.ready_endpoints("api")) == len(api_pods), 60, "the API endpoints to settle")

    responses: dict[str, httpx.Response] = {}
    for attempt in range(ATTEMPTS):
        request_id = f"e2e-ratelimit-{secrets.token_hex(6)}-{attempt}"
        responses[request_id] = https.post(
            LOGIN, json={"email": email, "password": "a-wrong-password"}, headers={"X-Request-ID": request_id}
        )
    statuses = [r.status_code for r in responses.values()]
    assert statuses == [401] * LIMIT + [429] * (ATTEMPTS - LIMIT), statuses
    for response in list(responses.values())[LIMIT:]:
        assert int(response.headers["Retry-After"]) > 0
        assert response.json()["error"]

    def all_logged() -> dict[str, tuple[str, int]] | None:
        found = _served_by(release, set(responses))
        return found if len(found) == ATTEMPTS else None

    served, _ = wait_for(all_logged, 30, "every attempt in the API pods' access logs")
    assert {rid: status for rid, (_, status) in served.items()} == {
        rid: r.status_code for rid, r in responses.items()
    }
    per_pod = Counter(pod for pod, _ in served.values())
    assert len(per_pod) >= 2, f"one pod served every attempt: {per_pod}"
    # with a counter per pod, each pod would have let up to LIMIT of its own attempts through
    assert sum(min(n, LIMIT) for n in per_pod.values()) > LIMIT, per_pod
    assert _redis_keys(release), "the limits' counters are not in Redis"
    record(
        "shared_rate_limit",
        limit_per_account=f"{LIMIT}/hour",
        attempts=ATTEMPTS,
        allowed=statuses.count(401),
        limited=statuses.count(429),
        attempts_per_pod=dict(per_pod),
        helm_upgrade_s=round(upgrade_s, 1),
    )
