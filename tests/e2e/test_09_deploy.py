"""Scenario 9: scripts/deploy rolls a broken release back by itself. Under the bounded load of test_03, a release
whose API pods never become ready, and separately an API image with a migration that fails half-way, are deployed
with scripts/deploy: it exits 1 naming the failed step, the previous revision serves again, not one request fails,
and the database schema is what it was (the failed migration's DDL ran in its transaction)."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e import clients
from tests.e2e.cluster import REPO, run
from tests.e2e.conftest import HOST, Traffic
from tests.e2e.release import Release
from tests.e2e.report import record
from tests.e2e.underload import MIN_REQUESTS, under_load

DEPLOY = REPO / "scripts" / "deploy"
# helm's wait for the broken rollout; the load (at most 240 s) outlasts it, the hooks and the rollback
DEPLOY_TIMEOUT = "60s"
BROKEN_MIGRATION_TAG_SUFFIX = "e2e-broken-migration"
# a migration that changes the schema, then fails: PostgreSQL's transactional DDL must undo the change
BROKEN_MIGRATION = '''"""e2e: add a column and a table, then fail."""
import sqlalchemy as sa
from alembic import op

revision = "e2e_broken"
down_revision = "{head}"


def upgrade() -> None:
    op.create_table("e2e_broken_marker", sa.Column("id", sa.Integer, primary_key=True))
    op.add_column("producer_lots", sa.Column("e2e_broken", sa.Integer))
    op.execute("SELECT 1 / 0")


def downgrade() -> None:
    pass
'''


def _schema(release: Release) -> dict[str, str]:
    """What a migration would change: the Alembic revision, the tables and the columns of producer_lots."""
    return {
        "revision": release.psql("SELECT version_num FROM alembic_version"),
        "tables": release.psql(
            "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables"
            " WHERE table_schema = 'public'"
        ),
        "lots": release.psql(
            "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns"
            " WHERE table_name = 'producer_lots'"
        ),
    }


def _deploy(
    release: Release, ca_file: Path, *helm_args: str
) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {
        **os.environ,
        "KUBECONFIG": str(release.cluster.kubeconfig),
        "HELM": release.cluster.helm_binary,
        "RELEASE": release.name,
        "NAMESPACE": release.namespace,
        "DEPLOY_TIMEOUT": DEPLOY_TIMEOUT,
        "SMOKE_URL": f"https://{HOST}",
        "SMOKE_RESOLVE": clients.INGRESS_ADDRESS,
        "SMOKE_CACERT": str(ca_file),
    }
    values = [arg for f in release.values_files for arg in ("--values", str(f))]
    started = time.monotonic()
    proc = subprocess.run(
        [str(DEPLOY), *values, *helm_args], capture_output=True, text=True, env=env, timeout=600, check=False
    )
    return proc, time.monotonic() - started


def _broken_deploy_under_load(
    release: Release, traffic, tls_context: ssl.SSLContext, ca_file: Path, section: str, *helm_args: str
) -> str:
    """Deploy under load; the deploy fails and rolls back with no failed request. Returns the deploy's log."""
    revision = release.revision()
    api_images = sorted(set(release.deployment_images("api")))  # the HPA may run 2 or 3 of them
    outcome: dict[str, subprocess.CompletedProcess[str]] = {}

    def change() -> float:
        outcome["proc"], seconds = _deploy(release, ca_file, *helm_args)
        return seconds

    flow: Traffic = traffic()
    result, seconds, started_at = under_load(flow, tls_context, change)
    proc = outcome["proc"]
    summary = result.summary()
    record(
        section, deploy_and_rollback_s=round(seconds, 1), started_at_load_s=round(started_at, 1), **summary
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 1, log
    assert "FAILED: helm upgrade" in proc.stderr, log
    # helm rolled back: a new revision, deployed, running what ran before
    status = json.loads(
        release.cluster.helm("status", release.name, "-n", release.namespace, "-o", "json").stdout
    )
    assert status["info"]["status"] == "deployed", status["info"]
    assert release.revision() > revision + 1
    assert sorted(set(release.deployment_images("api"))) == api_images
    assert result.failed == 0, summary["first_failures"]  # the whole summary is in the report
    assert result.sent >= MIN_REQUESTS, summary
    return log


@pytest.fixture(scope="module")
def broken_migration_tag(release: Release, image_tag: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An API image with one more migration, which fails, built FROM the suite's image and imported into the
    cluster's image store."""
    tag = f"{image_tag}-{BROKEN_MIGRATION_TAG_SUFFIX}"
    source = f"localhost/triboka-api:{image_tag}"
    versions = run(
        ["podman", "run", "--rm", "--entrypoint", "python", source, "-c",
         "import pathlib, triboka_api; print(pathlib.Path(triboka_api.__file__).parent / 'migrations' / 'versions')"],
    ).stdout.strip()  # fmt: skip
    head = release.psql("SELECT version_num FROM alembic_version")
    context = tmp_path_factory.mktemp("broken-migration")
    (context / "e2e_broken.py").write_text(BROKEN_MIGRATION.format(head=head))
    (context / "Containerfile").write_text(f"FROM {source}\nCOPY e2e_broken.py {versions}/e2e_broken.py\n")
    run(["podman", "build", "-q", "-t", f"triboka-api:{tag}", str(context)], timeout=300)
    release.cluster.provisioning.load_image(f"triboka-api:{tag}")
    return tag


def test_a_release_that_never_becomes_ready_is_rolled_back_under_load(
    release: Release, traffic, tls_context, tls
):
    before = _schema(release)
    # every health check of the new API pods times out: they never become ready (nor pass their startup probe)
    env = "api.extraEnv[0].name=TRIBOKA_HEALTH_CHECK_TIMEOUT_SECONDS,api.extraEnv[0].value=0.000001"
    _broken_deploy_under_load(
        release, traffic, tls_context, tls.ca_file, "deploy_broken_readiness", "--set-string", env
    )
    for deployment in ("api", "web"):
        spec = release.cluster.apps.read_namespaced_deployment(
            release.component(deployment), release.namespace
        ).spec
        assert not any(
            e.name == "TRIBOKA_HEALTH_CHECK_TIMEOUT_SECONDS"
            for e in spec.template.spec.containers[0].env or []
        )
        release.wait_rolled_out(deployment, 120)
    assert _schema(release) == before


def test_a_failing_migration_is_rolled_back_and_leaves_the_schema_unchanged(
    release: Release, traffic, tls_context, tls, broken_migration_tag: str
):
    before = _schema(release)
    log = _broken_deploy_under_load(
        release, traffic, tls_context, tls.ca_file, "deploy_failing_migration",
        "--set-string", f"api.image.tag={broken_migration_tag}",
    )  # fmt: skip
    assert "backup: by the chart's pre-upgrade hook" in log
    migration_log = release.cluster.job_logs(release.namespace, release.component("migrations"))
    assert "division by zero" in migration_log, migration_log
    assert _schema(release) == before
    assert "e2e_broken" not in before["lots"]
    release.wait_rolled_out("api", 120)
