"""Session fixtures of the end-to-end suite: the cluster (TRIBOKA_E2E_CLUSTER=local, the default, or kind), a
test CA and the TLS secret made from it, the chart installed in a namespace of its own (uninstalled and the
namespace deleted at the end), HTTPS clients through the ingress, the seeded accounts and a headless Chromium that
trusts the test CA. Figures measured by the scenarios are collected in REPORT, written to
tests/artifacts/e2e/report.json and printed at the end of the run."""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes import client as k8s
from playwright.sync_api import Browser, sync_playwright

from tests.e2e import clients
from tests.e2e.cluster import REPO, Cluster, app_version, provisioning, run, wait_for
from tests.e2e.load import Op
from tests.e2e.release import Release
from tests.e2e.report import REPORT, record
from tests.e2e.tlsca import TlsBundle, make_bundle
from tests.web.flows import BUYER_COMPANY, CHROMIUM, CHROMIUM_ARGS, EXPORTER_COMPANY, Account, seed_accounts

HOST = "triboka.test"
RELEASE_NAME = "triboka"
TLS_SECRET = "triboka-e2e-tls"  # tests/e2e/values.yaml names it
E2E_VALUES = Path(__file__).with_name("values.yaml")
# The same release is also served through Gateway API: the chart's Gateway (class triboka) and HTTPRoute for a
# host of their own, with a certificate of their own from the same test CA (values-gateway.yaml names both).
GATEWAY_HOST = "triboka-gw.test"
GATEWAY_TLS_SECRET = "triboka-e2e-gateway-tls"
GATEWAY_VALUES = Path(__file__).with_name("values-gateway.yaml")
ARTIFACTS = REPO / "tests" / "artifacts" / "e2e"
PRODUCER_COMPANY = "Cooperativa Carga e2e"
PASSWORD = "cacao-e2e-pass-1"


@dataclass(frozen=True)
class Edge:
    """A way into the release from outside, on a host name of its own: what a plain-HTTP request is answered
    with (the Ingress: the controller's 308 for the ssl-redirect annotation; the HTTPRoute: the chart's redirect
    route, 301) and the HSTS header the browser sees (the dashboard's own, or the route's filter replacing it)."""

    name: str
    host: str
    redirect_status: int
    hsts: str


EDGES = (
    Edge("ingress", HOST, 308, "max-age=31536000; includeSubDomains"),
    Edge("httproute", GATEWAY_HOST, 301, "max-age=63072000; includeSubDomains"),
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not REPORT:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report.json").write_text(json.dumps(REPORT, indent=2, default=str) + "\n")
    terminalreporter.section("e2e figures (tests/artifacts/e2e/report.json)")
    for name, figures in REPORT.items():
        terminalreporter.write_line(f"{name}: {json.dumps(figures, default=str)}")


def _unavailable(reason: str) -> None:
    """No cluster: a failure when the run asked for one (`make test-e2e` sets TRIBOKA_E2E_CLUSTER), else a skip."""
    if "TRIBOKA_E2E_CLUSTER" in os.environ:
        pytest.fail(reason, pytrace=False)
    pytest.skip(f"{reason} (make test-e2e brings a cluster up)")


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    prov = provisioning()
    if not prov.kubeconfig.exists():
        _unavailable(f"no kubeconfig at {prov.kubeconfig}")
    started = time.monotonic()
    cluster = Cluster(prov)
    try:
        version = cluster.version()
    except Exception as error:
        _unavailable(f"the cluster of {prov.kubeconfig} does not answer: {error!r}")
    nodes = cluster.core.list_node().items
    record(
        "cluster",
        provisioning=prov.name,
        server_version=version,
        nodes=[n.metadata.name for n in nodes],
        kubelet_versions=sorted({n.status.node_info.kubelet_version for n in nodes}),
        api_answer_s=round(time.monotonic() - started, 2),
    )
    return cluster


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsBundle:
    return make_bundle(HOST, tmp_path_factory.mktemp("tls"))


@contextmanager
def installed_release(
    cluster: Cluster,
    host: str,
    tls: TlsBundle,
    tls_secret: str,
    values_files: list[Path],
    request: pytest.FixtureRequest,
    report: str = "install",
    more_tls: dict[str, TlsBundle] | None = None,
) -> Iterator[Release]:
    """`helm install --wait` of the chart in a new namespace with the TLS secret of `host` (and `more_tls`, secret
    name -> bundle); on leaving, the diagnostics when a test failed, then the release and its namespace removed (unless E2E_KEEP_RELEASE=1)."""
    namespace = f"triboka-e2e-{secrets.token_hex(3)}"
    release = Release(
        cluster,
        RELEASE_NAME,
        namespace,
        host,
        [cluster.provisioning.values_file, *values_files, _image_tag_values(namespace)],
    )
    cluster.core.create_namespace(
        k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=namespace, labels={"triboka.test/e2e": "true"}))
    )
    try:
        for name, bundle in {tls_secret: tls, **(more_tls or {})}.items():
            cluster.core.create_namespaced_secret(namespace, _tls_secret(name, bundle))
        seconds = release.install()
        record(report, namespace=namespace, helm_install_wait_s=round(seconds, 1))
        yield release
    finally:
        if request.session.testsfailed or not REPORT.get(report):
            release.dump_diagnostics(
                ARTIFACTS / ("diagnostics" if report == "install" else f"diagnostics-{report}")
            )
        if os.environ.get("E2E_KEEP_RELEASE") == "1":
            print(f"\nE2E_KEEP_RELEASE=1: release {RELEASE_NAME} kept in namespace {namespace}")
        else:
            _remove(release, report)


def _image_tag_values(namespace: str) -> Path:
    """The service images `make test-e2e` built and loaded (IMAGE_TAG, by default the chart's appVersion): without
    it the release ran the appVersion's images, whoever built those last, not the ones under test."""
    tag = os.environ.get("IMAGE_TAG") or app_version()
    path = ARTIFACTS / f"values-image-tag-{namespace}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({c: {"image": {"tag": tag}} for c in ("api", "web", "backup")}))
    return path


def _tls_secret(name: str, tls: TlsBundle) -> k8s.V1Secret:
    return k8s.V1Secret(
        metadata=k8s.V1ObjectMeta(name=name),
        type="kubernetes.io/tls",
        string_data={"tls.crt": tls.cert_pem.decode(), "tls.key": tls.key_pem.decode()},
    )


@pytest.fixture(scope="session")
def release(cluster: Cluster, tls: TlsBundle, request: pytest.FixtureRequest) -> Iterator[Release]:
    """The chart (in-chart PostgreSQL, ingress with TLS, and the Gateway API edge) installed in a new namespace,
    removed at the end. E2E_NAMESPACE=<namespace> reuses a release left by E2E_KEEP_RELEASE=1 (development only)."""
    reuse = os.environ.get("E2E_NAMESPACE")
    values = [E2E_VALUES, GATEWAY_VALUES]
    more_tls = {GATEWAY_TLS_SECRET: tls.for_host(GATEWAY_HOST)}
    if not reuse:
        with installed_release(cluster, HOST, tls, TLS_SECRET, values, request, more_tls=more_tls) as release:
            yield release
        return
    release = Release(cluster, RELEASE_NAME, reuse, HOST, [cluster.provisioning.values_file, *values])
    for name, bundle in {TLS_SECRET: tls, **more_tls}.items():
        cluster.core.replace_namespaced_secret(name, reuse, _tls_secret(name, bundle))
    record("install", namespace=reuse, reused=True)
    yield release


def _remove(release: Release, report: str) -> None:
    started = time.monotonic()
    release.cluster.helm(
        "uninstall", release.name, "-n", release.namespace, "--wait", "--timeout", "3m", check=False
    )
    release.cluster.core.delete_namespace(release.namespace)

    def gone() -> bool:
        try:
            release.cluster.core.read_namespace(release.namespace)
        except k8s.ApiException as error:
            return error.status == 404
        return False

    wait_for(gone, 240, f"namespace {release.namespace} to be deleted", interval=2)
    REPORT.setdefault(report, {})["uninstall_and_namespace_delete_s"] = round(time.monotonic() - started, 1)


@pytest.fixture(scope="session")
def tls_context(tls: TlsBundle):
    return tls.ssl_context()


@pytest.fixture(scope="session")
def https(release: Release, tls_context) -> Iterator[httpx.Client]:
    """A client for https://triboka.test through the ingress on 127.0.0.1, trusting only the test CA."""
    with serving_client(EDGES[0], tls_context) as client:
        yield client


@contextmanager
def serving_client(edge: Edge, tls_context) -> Iterator[httpx.Client]:
    """A client for https://<edge host>, once the controller serves it (it picks the Ingress or HTTPRoute and
    their secrets up from its informers)."""
    with clients.client(edge.host, tls_context) as client:

        def serving() -> bool:  # (until the listener's certificate is loaded, the handshake fails: retried)
            return client.get("/api/health/live").status_code == 200

        wait_for(serving, 30, f"the {edge.name} to serve {edge.host} with the test certificate", interval=0.5)
        yield client


@pytest.fixture(scope="session")
def admin(release: Release) -> Account:
    """The admin the chart's migration job creates; its password is in the chart's Secret."""
    email = release.cluster.helm(
        "get", "values", release.name, "-n", release.namespace, "--all", "-o", "json"
    )
    return Account(json.loads(email.stdout)["admin"]["email"], release.secret("admin-password"), "admin")


@pytest.fixture(scope="session")
def admin_headers(https: httpx.Client, admin: Account) -> dict[str, str]:
    login = https.post("/api/auth/login", json={"email": admin.email, "password": admin.password})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


@pytest.fixture(scope="session")
def companies(release: Release) -> dict[str, int]:
    """Companies have no API endpoint: `triboka-api create-company` in an API pod, as an operator would."""
    return {
        name: create_company(release, name, kind, country)
        for name, kind, country in (
            (EXPORTER_COMPANY, "exporter", "Ecuador"),
            (BUYER_COMPANY, "buyer", "Switzerland"),
            (PRODUCER_COMPANY, "producer", "Ecuador"),
        )
    }


def create_company(release: Release, name: str, kind: str, country: str) -> int:
    result = release.exec_api(
        "triboka-api", "create-company", "--name", name, "--type", kind, "--country", country
    )
    return int(result.check("create-company").stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def accounts(https: httpx.Client, admin: Account, companies: dict[str, int]) -> dict[str, Account]:
    return seed_accounts(
        https, admin, companies[EXPORTER_COMPANY], companies[BUYER_COMPANY], PASSWORD, "e2e.triboka.test"
    )


@pytest.fixture(scope="session")
def lot_body(companies: dict[str, int]) -> Callable[[], dict[str, Any]]:
    """The body of a new lot of the load producer company (admins may create lots for any producer)."""
    return lot_body_for(companies[PRODUCER_COMPANY])


def lot_body_for(company: int) -> Callable[[], dict[str, Any]]:
    def body() -> dict[str, Any]:
        return {
            "producer_company_id": company,
            "farm_name": "Finca Carga",
            "location": "Chone, Manabí",
            "product_type": "Cacao Nacional",
            "weight_kg": 1200.5,
            "quality_grade": "A",
            "harvest_date": "2025-10-01",
            "certifications": ["Orgánico"],
        }

    return body


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser(tls: TlsBundle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Headless Chromium that resolves the edges' hosts to the ingress address and trusts the test CA: the CA is added to the
    NSS database of a HOME of its own (certutil), which Chromium on Linux reads; no certificate errors ignored."""
    home = tmp_path_factory.mktemp("chromium-home")
    nssdb = f"sql:{home / '.pki' / 'nssdb'}"
    (home / ".pki" / "nssdb").mkdir(parents=True)
    try:
        run(["certutil", "-N", "-d", nssdb, "--empty-password"])
        run(["certutil", "-A", "-d", nssdb, "-n", "triboka-e2e-ca", "-t", "C,,", "-i", str(tls.ca_file)])
    except FileNotFoundError:
        pytest.fail("certutil is missing: apt-get install libnss3-tools (make test-e2e does)", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, f"--host-resolver-rules={_host_rules()}"],
            env={**os.environ, "HOME": str(home)},
        )
        yield browser
        browser.close()


def _host_rules() -> str:
    return ", ".join(f"MAP {edge.host} {clients.INGRESS_ADDRESS}" for edge in EDGES)


@pytest.fixture(scope="session")
def image_tag() -> str:
    return os.environ.get("IMAGE_TAG") or app_version()


@dataclass
class Traffic:
    """The request mix of the load scenarios (reads and writes through the ingress) and the ids of the lots
    whose creation was acknowledged with a 201."""

    ops: list[Op]
    created: list[int] = field(default_factory=list)


@pytest.fixture(scope="session")
def traffic(https: httpx.Client, admin_headers: dict[str, str], lot_body) -> Callable[[], Traffic]:
    return make_traffic(https, admin_headers, lot_body)


def make_traffic(
    https: httpx.Client, admin_headers: dict[str, str], lot_body: Callable[[], dict[str, Any]]
) -> Callable[[], Traffic]:
    """The load's request mix against the release `https` talks to; each call a fresh acknowledged-lot list."""
    first = https.post("/api/lots", json=lot_body(), headers=admin_headers)
    assert first.status_code == 201, first.text
    lots = https.get(
        "/api/lots", params={"producer_id": lot_body()["producer_company_id"]}, headers=admin_headers
    )
    code = next(lot["lot_code"] for lot in lots.json() if lot["id"] == first.json()["lot_id"])

    def make() -> Traffic:
        created: list[int] = []
        get = {"method": "GET", "headers": admin_headers}
        api_health = Op("GET /api/health", "GET", lambda: "/api/health")
        profile = Op("GET /api/profile", path=lambda: "/api/profile", **get)
        by_code = Op("GET /api/lots/id/{code}", "GET", lambda: f"/api/lots/id/{code}")
        companies = Op("GET /api/companies", path=lambda: "/api/companies", **get)
        create = Op(
            "POST /api/lots",
            "POST",
            lambda: "/api/lots",
            expected=frozenset({201}),
            body=lot_body,
            headers=admin_headers,
            on_success=lambda response: created.append(response.json()["lot_id"]),
        )
        web_health = Op("GET /health (web)", "GET", lambda: "/health")
        web_login = Op("GET /login (web)", "GET", lambda: "/login")
        ops = [
            api_health,
            profile,
            create,
            by_code,
            web_health,
            api_health,
            profile,
            create,
            companies,
            web_login,
        ]
        return Traffic(ops, created)

    return make


def load_rate() -> float:
    """Requests a second of the load scenarios (E2E_LOAD_RATE, default 200)."""
    return float(os.environ.get("E2E_LOAD_RATE", "200"))
