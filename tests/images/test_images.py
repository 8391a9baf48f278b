"""The images `make images` builds start under podman the way the chart runs them (uid 10001, read-only root file
system, only /tmp writable, no capabilities) and answer their health endpoints.

Needs podman and the images (`make test-images` builds them first). Containers use the host network on free
loopback ports and are removed at the end."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config

PODMAN = shutil.which("podman")
REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        PODMAN is None, reason="podman is not installed (apt-get install podman): images run under it"
    ),
]


def _app_version() -> str:
    for line in (REPO / "charts" / "triboka" / "Chart.yaml").read_text().splitlines():
        if line.startswith("appVersion:"):
            return line.split(":", 1)[1].strip().strip('"')
    raise AssertionError("no appVersion in Chart.yaml")


TAG = os.environ.get("IMAGE_TAG") or _app_version()
IMAGES = {
    "api": f"localhost/triboka-api:{TAG}",
    "web": f"localhost/triboka-web:{TAG}",
    "backup": f"localhost/triboka-backup:{TAG}",
    "postgres": "localhost/triboka-postgres:15",
    "postgres-ha": "localhost/triboka-postgres-ha:15",
    "redis": "localhost/triboka-redis:7.0",
}
# What the chart's securityContext does, in podman's words.
RESTRICTED = [
    "--read-only",
    "--user",
    "10001:10001",
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges",
]


def podman(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PODMAN, *args], capture_output=True, text=True, check=check, timeout=timeout)


def env_args(env: dict[str, str]) -> list[str]:
    return [arg for key, value in env.items() for arg in ("--env", f"{key}={value}")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def require_image(name: str) -> str:
    ref = IMAGES[name]
    if podman("image", "exists", ref, check=False).returncode != 0:
        pytest.fail(f"image {ref} is missing: run `make images`")
    return ref


class Containers:
    """Detached containers started by one test module; all removed at the end."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def run(self, image: str, *args: str, env: dict[str, str], options: tuple[str, ...] = ()) -> str:
        name = f"triboka-test-{uuid.uuid4().hex[:8]}"
        podman("run", "--detach", "--name", name, "--network", "host", *options, *env_args(env), image, *args)
        self.names.append(name)
        return name

    def logs(self, name: str) -> str:
        proc = podman("logs", name, check=False)
        return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def containers() -> Iterator[Containers]:
    started = Containers()
    yield started
    for name in started.names:
        podman("rm", "--force", "--time", "5", name, check=False)


@pytest.fixture(scope="module")
def shared_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A host directory mounted as the containers' /tmp (the emptyDir of the chart), writable by uid 10001."""
    path = tmp_path_factory.mktemp("image-tmp")
    path.chmod(0o1777)
    return path


@pytest.fixture(scope="module")
def api(containers: Containers, shared_tmp: Path) -> dict[str, str]:
    """The API image on SQLite under /tmp: migrated, with an admin, serving on a free port."""
    image = require_image("api")
    env = {
        "TRIBOKA_ENVIRONMENT": "production",
        "TRIBOKA_JWT_SECRET": "image-test-jwt-secret-0123456789abcdef",
        "TRIBOKA_ENCRYPTION_KEYS": "k1:" + "A" * 43,  # production refuses to start without a key ring
        "TRIBOKA_DATABASE_URL": "sqlite+aiosqlite:////tmp/triboka.db",
        "TRIBOKA_ADMIN_EMAIL": "admin@image.test",
        "TRIBOKA_ADMIN_PASSWORD": "image-test-admin-password",
        "TRIBOKA_ADMIN_NAME": "Image Test",
    }
    options = (*RESTRICTED, "--volume", f"{shared_tmp}:/tmp")
    for command in (["migrate", "--wait", "10"], ["create-admin", "--if-missing"]):
        proc = podman("run", "--rm", *options, *env_args(env), image, *command, check=False)
        assert proc.returncode == 0, f"triboka-api {command[0]} failed:\n{proc.stdout}\n{proc.stderr}"
    port, metrics = free_port(), free_port()
    name = containers.run(
        image,
        *(
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
            "--metrics-port",
            str(metrics),
        ),
        env=env,
        options=options,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/api/health/live")
    except httpx.TransportError:
        pytest.fail(f"the API image did not start:\n{containers.logs(name)}")
    return {"url": f"http://127.0.0.1:{port}", "metrics": f"http://127.0.0.1:{metrics}", **env}


def image_config(ref: str) -> dict:
    (config,) = json.loads(podman("image", "inspect", ref).stdout)
    return config


def test_images_are_non_root_with_oci_labels_and_no_healthcheck():
    for name in IMAGES:
        ref = require_image(name)
        config = image_config(ref)
        labels = config["Config"].get("Labels") or {}
        assert labels.get("org.opencontainers.image.title") == ref.split("/")[1].split(":")[0]
        assert labels.get("org.opencontainers.image.version")
        assert "Healthcheck" not in config["Config"] or not config["Config"]["Healthcheck"]
        expected_user = "999:999" if name.startswith("postgres") else "10001:10001"
        assert config["Config"]["User"] == expected_user, ref


# What the local base image (k8s/local-cluster/base-image) records of its Debian tree; the images inherit it.
BASE_PROVENANCE = (
    "org.triboka.base.debian-suite",
    "org.triboka.base.debian-release",
    "org.triboka.base.snapshot-date",
    "org.triboka.base.packages-sha256",
)


def test_images_record_the_base_they_were_built_from():
    for name in IMAGES:
        ref = require_image(name)
        labels = image_config(ref)["Config"].get("Labels") or {}
        base = labels.get("org.opencontainers.image.base.name")
        digest = labels.get("org.opencontainers.image.base.digest", "")
        assert base, f"{ref}: no org.opencontainers.image.base.name"
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest), f"{ref}: base digest {digest!r}"
        created = labels.get("org.opencontainers.image.created", "")
        assert datetime.fromisoformat(created.replace("Z", "+00:00")).tzinfo, f"{ref}: created {created!r}"
        if podman("image", "exists", base, check=False).returncode == 0:
            assert image_config(base)["Digest"] == digest, f"{ref} records another build of {base}"
        if base.startswith("localhost/"):
            missing = [key for key in BASE_PROVENANCE if not labels.get(key)]
            assert not missing, f"{ref}: the local base's provenance labels are missing: {missing}"
            assert re.fullmatch(r"[0-9a-f]{64}", labels["org.triboka.base.packages-sha256"])


def test_api_image_serves_health_metrics_and_login(api):
    health = httpx.get(f"{api['url']}/api/health", timeout=5)
    assert health.status_code == 200
    assert health.json()["database"] == "healthy"
    assert httpx.get(f"{api['url']}/api/health/live", timeout=5).status_code == 200
    login = httpx.post(
        f"{api['url']}/api/auth/login",
        json={"email": api["TRIBOKA_ADMIN_EMAIL"], "password": api["TRIBOKA_ADMIN_PASSWORD"]},
        timeout=10,
    )
    assert login.status_code == 200, login.text
    profile = httpx.get(
        f"{api['url']}/api/profile",
        headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        timeout=5,
    )
    assert profile.status_code == 200, profile.text
    assert profile.json()["role"] == "admin"
    metrics = httpx.get(f"{api['metrics']}/metrics", timeout=5)
    assert metrics.status_code == 200
    assert "# TYPE" in metrics.text


@pytest.fixture(scope="module")
def web(api: dict[str, str], containers: Containers) -> dict[str, str]:
    """The web image serving on a free port against the API container."""
    image = require_image("web")
    port, metrics = free_port(), free_port()
    name = containers.run(
        image,
        *(
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--metrics-port",
            str(metrics),
        ),
        env={
            "TRIBOKA_WEB_ENVIRONMENT": "production",
            "TRIBOKA_WEB_SECRET_KEY": "image-test-session-key-0123456789abcdef",
            "TRIBOKA_WEB_API_URL": api["url"],
        },
        options=(*RESTRICTED, "--tmpfs", "/tmp:rw,mode=1777"),
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/health")
    except httpx.TransportError:
        pytest.fail(f"the web image did not start:\n{containers.logs(name)}")
    return {"url": f"http://127.0.0.1:{port}", "metrics": f"http://127.0.0.1:{metrics}"}


def test_web_image_serves_health_and_ready(web):
    assert httpx.get(f"{web['url']}/health", timeout=5).status_code == 200
    assert httpx.get(f"{web['url']}/ready", timeout=10).status_code == 200
    # the vendored front-end assets are in the image
    css = httpx.get(f"{web['url']}/static/vendor/bootstrap/bootstrap.min.css", timeout=5)
    assert css.status_code == 200
    assert httpx.get(f"{web['metrics']}/metrics", timeout=5).status_code == 200


def test_helm_test_script_passes_against_the_images(api, web, tmp_path):
    """The `helm test` pod's script (charts/triboka/templates/tests/) run with python from the API image."""
    template = (REPO / "charts" / "triboka" / "templates" / "tests" / "test-platform.yaml").read_text()
    script = tmp_path / "helm_test.py"
    script.write_text(template.split("{{- $script := `", 1)[1].split("` }}", 1)[0])
    script.chmod(0o644)
    env = {
        "API_URL": api["url"],
        "WEB_URL": web["url"],
        "TRIBOKA_ADMIN_EMAIL": api["TRIBOKA_ADMIN_EMAIL"],
        "TRIBOKA_ADMIN_PASSWORD": api["TRIBOKA_ADMIN_PASSWORD"],
    }
    proc = podman(
        "run",
        "--rm",
        "--network",
        "host",
        *RESTRICTED,
        "--volume",
        f"{script}:/helm_test.py:ro",
        *env_args(env),
        "--entrypoint",
        "python3",
        require_image("api"),
        "/helm_test.py",
        check=False,
    )
    assert proc.returncode == 0, f"helm test script failed:\n{proc.stdout}\n{proc.stderr}"
    assert "login round trip ok" in proc.stdout


def test_backup_image_dumps_the_postgres_image(containers, tmp_path):
    postgres, backup = require_image("postgres"), require_image("backup")
    port = free_port()
    password = "image-test-db-password"
    db = containers.run(
        postgres,
        *("-c", f"port={port}", "-c", "unix_socket_directories=/tmp"),
        env={
            "POSTGRES_USER": "triboka",
            "POSTGRES_PASSWORD": password,
            "POSTGRES_DB": "triboka",
            "PGDATA": "/tmp/pgdata",
        },
        options=("--read-only", "--cap-drop", "ALL", "--tmpfs", "/tmp:rw,mode=1777"),
    )
    deadline = time.monotonic() + 60
    while podman("exec", db, "pg_isready", "-h", "127.0.0.1", "-p", str(port), check=False).returncode != 0:
        assert time.monotonic() < deadline, f"the postgres image did not start:\n{containers.logs(db)}"
        time.sleep(0.5)

    backups = tmp_path / "backups"
    backups.mkdir(mode=0o1777)
    backups.chmod(0o1777)
    env = {
        "TRIBOKA_BACKUP_DATABASE_HOST": "127.0.0.1",
        "TRIBOKA_BACKUP_DATABASE_PORT": str(port),
        "TRIBOKA_BACKUP_DATABASE_NAME": "triboka",
        "TRIBOKA_BACKUP_DATABASE_USER": "triboka",
        "TRIBOKA_BACKUP_DATABASE_PASSWORD": password,
    }
    proc = podman(
        "run",
        "--rm",
        "--network",
        "host",
        *RESTRICTED,
        "--tmpfs",
        "/tmp:rw,mode=1777",
        "--volume",
        f"{backups}:/backups",
        *env_args(env),
        backup,
        "run",
        "--prune",
        check=False,
    )
    assert proc.returncode == 0, f"triboka-backup run failed:\n{proc.stdout}\n{proc.stderr}"
    assert any(backups.iterdir()), "the backup wrote nothing to /backups"
    version = podman("run", "--rm", "--entrypoint", "pg_dump", backup, "--version")
    assert " 15." in version.stdout


def test_redis_image_runs_read_only_and_answers_only_with_its_password(containers):
    """The in-chart rate-limit store as the chart runs it: read-only root, uid 10001, no capabilities, no
    persistence (not even a writable /data: it writes nothing); PING answers PONG with the password only, and the
    password is not in the server's argv."""
    redis = require_image("redis")
    port = free_port()
    password = "image-test-redis-password-0123"
    name = containers.run(
        redis,
        *("--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
        env={"REDIS_PASSWORD": password},
        options=tuple(RESTRICTED),
    )

    def ping(*auth: str) -> str:
        proc = podman(
            "exec", *auth, name, "redis-cli", "-h", "127.0.0.1", "-p", str(port), "ping", check=False
        )
        return (proc.stdout + proc.stderr).strip()

    deadline = time.monotonic() + 30
    while "PONG" not in ping("--env", f"REDISCLI_AUTH={password}"):
        assert time.monotonic() < deadline, f"the redis image did not start:\n{containers.logs(name)}"
        time.sleep(0.3)
    assert ping().startswith("NOAUTH")
    assert "WRONGPASS" in ping("--env", "REDISCLI_AUTH=not-the-password")
    argv = podman("exec", name, "cat", "/proc/1/cmdline").stdout
    assert "redis-server" in argv
    assert password not in argv
    config = podman(
        "exec", "--env", f"REDISCLI_AUTH={password}", name,
        "redis-cli", "-p", str(port), "config", "get", "appendonly",
    ).stdout.split()  # fmt: skip
    assert config == ["appendonly", "no"]


def test_redis_image_refuses_to_start_without_a_password():
    proc = podman("run", "--rm", *RESTRICTED, require_image("redis"), check=False)
    assert proc.returncode != 0
    assert "REDIS_PASSWORD must be set" in proc.stderr


LOCAL_KUBECONFIG = Path(os.environ.get("KUBECONFIG", "/var/lib/triboka-cluster/kubeconfig"))
PATRONI_MEMBER = "member-0"
PAUSE_IMAGE = "localhost/triboka/pause:v1.37.2"  # the local cluster's sandbox image (k8s/local-cluster)


def _no_cluster(reason: str) -> None:
    if os.environ.get("TRIBOKA_E2E_CLUSTER") == "local":  # the e2e window: the cluster must be there
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def patroni_namespace() -> Iterator[tuple[str, str]]:
    """A throwaway namespace of the local cluster (Patroni's store: it has no other) and the kubeconfig's
    context, deleted at the end with Patroni's ConfigMaps. `make test-e2e` runs this test after cluster-up
    (TRIBOKA_E2E_CLUSTER=local): there, a cluster that does not answer fails it; run alone, it is skipped."""
    if not LOCAL_KUBECONFIG.is_file():
        _no_cluster(f"no Kubernetes cluster ({LOCAL_KUBECONFIG} missing): Patroni keeps its state in one")
    api = k8s.CoreV1Api(k8s_config.new_client_from_config(str(LOCAL_KUBECONFIG)))
    namespace = f"triboka-image-test-{uuid.uuid4().hex[:6]}"
    try:
        api.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=namespace)))
    except Exception as error:  # connection refused, timeout: the cluster is not up
        _no_cluster(
            f"the cluster of {LOCAL_KUBECONFIG} does not answer ({error!r}): Patroni keeps its state in it"
        )
    context = k8s_config.list_kube_config_contexts(str(LOCAL_KUBECONFIG))[1]["name"]
    # Patroni keeps each member's state on its pod (labels, an annotation): the member gets one, a pause container
    member = k8s.V1Pod(
        metadata=k8s.V1ObjectMeta(name=PATRONI_MEMBER),
        spec=k8s.V1PodSpec(
            automount_service_account_token=False,
            containers=[k8s.V1Container(name="pause", image=PAUSE_IMAGE, image_pull_policy="Never")],
        ),
    )
    deadline = time.monotonic() + 30
    while True:  # the namespace's default ServiceAccount appears a moment after the namespace
        try:
            api.create_namespaced_pod(namespace, member)
            break
        except k8s.ApiException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    yield namespace, context
    api.delete_namespace(namespace)


@pytest.mark.cluster
def test_postgres_ha_image_runs_patroni_and_answers_its_rest_api(containers, patroni_namespace, tmp_path):
    """The Patroni image as the chart runs it (uid 999, read-only, no capabilities): it bootstraps a one-member
    cluster in Kubernetes, takes the leader lock, creates the application database (post-bootstrap) and answers
    /liveness, /readiness and /patroni on its REST API."""
    image = require_image("postgres-ha")
    assert podman("run", "--rm", image, "--version").stdout.strip() == "patroni 4.1.5"
    namespace, context = patroni_namespace
    rest, port = free_port(), free_port()
    kubeconfig = tmp_path / "kubeconfig"
    shutil.copyfile(LOCAL_KUBECONFIG, kubeconfig)
    os.chown(kubeconfig, 999, 999)  # the image's postgres user, and no one else, reads the credential
    kubeconfig.chmod(0o600)
    config = tmp_path / "patroni.yml"
    config.write_text(
        json.dumps(
            {
                "restapi": {"listen": f"127.0.0.1:{rest}", "connect_address": f"127.0.0.1:{rest}"},
                "kubernetes": {
                    "context": context,
                    "namespace": namespace,
                    "use_endpoints": False,
                    "labels": {"app.kubernetes.io/component": "postgresql"},
                },
                "bootstrap": {
                    "dcs": {"ttl": 30, "loop_wait": 2},
                    "post_bootstrap": "/usr/local/bin/patroni-post-bootstrap",
                    "initdb": [{"auth-host": "scram-sha-256"}, {"auth-local": "scram-sha-256"}],
                },
                "postgresql": {
                    "listen": f"127.0.0.1:{port}",
                    "connect_address": f"127.0.0.1:{port}",
                    "pg_hba": ["local all all scram-sha-256", "host all all all scram-sha-256"],
                    "parameters": {"unix_socket_directories": "/tmp"},
                },
            }
        )
    )
    config.chmod(0o644)
    name = containers.run(
        image,
        env={
            "KUBECONFIG": "/etc/patroni/kubeconfig",
            "PATRONI_NAME": PATRONI_MEMBER,
            "PATRONI_POSTGRESQL_DATA_DIR": "/tmp/pgdata",
            "PATRONI_SCOPE": "image-test",
            "PATRONI_SUPERUSER_USERNAME": "triboka",
            "PATRONI_SUPERUSER_PASSWORD": "image-test-superuser",
            "PATRONI_REPLICATION_USERNAME": "replicator",
            "PATRONI_REPLICATION_PASSWORD": "image-test-replicator",
            "POSTGRES_DB": "triboka",
        },
        options=(
            "--read-only",
            "--cap-drop",
            "ALL",
            "--security-opt",
            "no-new-privileges",
            "--tmpfs",
            "/tmp:rw,mode=1777",
            "--volume",
            f"{config}:/etc/patroni/patroni.yml:ro",
            "--volume",
            f"{kubeconfig}:/etc/patroni/kubeconfig:ro",
        ),
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{rest}/readiness", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"Patroni did not become ready:\n{containers.logs(name)}"
        time.sleep(0.5)
    assert httpx.get(f"http://127.0.0.1:{rest}/liveness", timeout=2).status_code == 200
    status = httpx.get(f"http://127.0.0.1:{rest}/patroni", timeout=2).json()
    assert (status["role"], status["state"]) == ("primary", "running")
    assert status["patroni"]["version"] == "4.1.5"
    assert status["server_version"] // 10000 == 15
    # the post-bootstrap script created the application's database, reachable with the password only
    query = [
        "psql",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "-U",
        "triboka",
        "-d",
        "triboka",
        "-Atc",
        "SELECT current_database()",
    ]
    proc = podman("exec", "--env", "PGPASSWORD=image-test-superuser", name, *query, check=False)
    assert proc.stdout.strip() == "triboka", proc.stderr
    proc = podman("exec", "--env", "PGPASSWORD=wrong", name, *query, check=False)
    assert proc.returncode != 0
    assert "password authentication failed" in proc.stderr
