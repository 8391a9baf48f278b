"""Scenario 9: the replicated database (`postgresql.ha`: three PostgreSQL + Patroni members, synchronous
replication), in a release of its own (namespace, host triboka-ha.test, values-postgresql-ha.yaml). Under the
usual load, three disruptions, each with the same checks:

1. failover: the leader's pod is deleted; a replica is promoted, the primary Service follows its label;
2. rolling restart: `helm upgrade` with a PostgreSQL setting changed rolls every member, one at a time;
3. image upgrade: a Patroni switchover first (to the synchronous standby), then `helm upgrade` moves the members
   to another tag of the image.

Checks: the longest time without an acknowledged write (the outage the API sees) stays under MAX_OUTAGE_S, no
request is answered 500 (an outage is a 503), no request fails once the database is back, and every lot whose
creation was acknowledged with a 201 is still there. Recorded: outage, failed requests, acknowledged writes, the
replication lag seen on the leader while the load runs, and the leader changes."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e import clients
from tests.e2e.cluster import Cluster, wait_for
from tests.e2e.conftest import (
    E2E_VALUES,
    PRODUCER_COMPANY,
    Traffic,
    create_company,
    installed_release,
    load_rate,
    lot_body_for,
    make_traffic,
)
from tests.e2e.load import Load, LoadResult
from tests.e2e.release import Release, is_ready
from tests.e2e.report import record
from tests.e2e.tlsca import TlsBundle, make_bundle

HA_HOST = "triboka-ha.test"
HA_TLS_SECRET = "triboka-ha-e2e-tls"  # values-postgresql-ha.yaml names it
HA_VALUES = Path(__file__).with_name("values-postgresql-ha.yaml")
MEMBERS = 3
MAX_OUTAGE_S = 30
MAX_SECONDS = 420
WARM_UP_S = 5
AFTER_RECOVERY_S = 10  # load kept on after the recovery: no failure allowed any more
SECOND_TAG = "15-e2e"


@dataclass
class Ha:
    release: Release
    tls: TlsBundle
    https: httpx.Client
    admin_headers: dict[str, str]
    producer: int
    traffic: Callable[[], Traffic]


@pytest.fixture(scope="module")
def ha(
    cluster: Cluster, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Ha]:
    tls = make_bundle(HA_HOST, tmp_path_factory.mktemp("tls-ha"))
    values = [E2E_VALUES, HA_VALUES]
    with (
        installed_release(
            cluster, HA_HOST, tls, HA_TLS_SECRET, values, request, report="postgresql_ha"
        ) as release,
        clients.client(HA_HOST, tls.ssl_context()) as https,
    ):
        wait_for(
            lambda: https.get("/api/health/live").status_code == 200, 30, "the ingress to serve the HA host"
        )
        email = json.loads(release.cluster.helm("get", "values", release.name, "-n", release.namespace, "--all",
                                                "-o", "json").stdout)["admin"]["email"]  # fmt: skip
        login = https.post(
            "/api/auth/login", json={"email": email, "password": release.secret("admin-password")}
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        producer = create_company(release, PRODUCER_COMPANY, "producer", "Ecuador")
        yield Ha(release, tls, https, headers, producer, make_traffic(https, headers, lot_body_for(producer)))


# -- the members ---------------------------------------------------------------------------------------------------


def members(release: Release) -> list:
    return [p for p in release.pods("postgresql") if not p.metadata.deletion_timestamp]


def leader(release: Release) -> str | None:
    leaders = [
        p.metadata.name for p in members(release) if (p.metadata.labels or {}).get("role") == "primary"
    ]
    return leaders[0] if len(leaders) == 1 else None


def psql(release: Release, pod: str, sql: str) -> str:
    script = (
        'PGPASSWORD="$PATRONI_SUPERUSER_PASSWORD" psql -h 127.0.0.1 -U "$PATRONI_SUPERUSER_USERNAME" '
        '-d "$POSTGRES_DB" -v ON_ERROR_STOP=1 -Atc "$0"'
    )
    result = release.cluster.exec(release.namespace, pod, ["sh", "-c", script, sql], container="postgresql")
    return result.check(f"psql {sql!r}").stdout.strip()


def healthy(release: Release) -> bool:
    """Every member ready, one leader, and the others streaming from it (one of them synchronously)."""
    pods = members(release)
    name = leader(release)
    if len(pods) != MEMBERS or not all(is_ready(p) for p in pods) or name is None:
        return False
    states = psql(release, name, "SELECT state || ' ' || sync_state FROM pg_stat_replication").splitlines()
    return sorted(states) == ["streaming async", "streaming sync"]


class LagSampler:
    """Samples, on the current leader, the largest replay lag (bytes) of its replicas while the load runs."""

    def __init__(self, release: Release) -> None:
        self.release, self.max_bytes, self.samples, self.failed_samples = release, 0, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LagSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        sql = "SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0) FROM pg_stat_replication"
        while not self._stop.wait(2):
            try:
                name = leader(self.release)
                if name:
                    self.max_bytes = max(self.max_bytes, int(float(psql(self.release, name, sql) or 0)))
                    self.samples += 1
            except Exception:  # a member going away mid-sample: counted, the next sample tells
                self.failed_samples += 1


def longest_write_gap(result: LoadResult, flow_op: str = "POST /api/lots") -> float:
    """The longest time between two acknowledged writes of the load: the write outage the API's clients saw."""
    times = sorted(o.at + o.latency for o in result.outcomes if o.op == flow_op and o.ok)
    return max((b - a for a, b in itertools.pairwise(times)), default=float("inf"))


def under_load(ha: Ha, name: str, disrupt: Callable[[Load], dict]) -> None:
    """Run `disrupt` under the usual load, wait until the members are healthy and writes are acknowledged again,
    keep the load on AFTER_RECOVERY_S more, then check and record the scenario."""
    release, flow, rate = ha.release, ha.traffic(), load_rate()
    wait_for(lambda: healthy(release), 180, "the members to be healthy before the scenario", interval=2)
    before = leader(release)
    with (
        LagSampler(release) as lag,
        Load(
            HA_HOST,
            ha.tls.ssl_context(),
            flow.ops,
            rate=rate,
            max_seconds=MAX_SECONDS,
            max_requests=int(rate * MAX_SECONDS),
        ) as load,  # fmt: skip
    ):
        wait_for(lambda: load.elapsed() >= WARM_UP_S, WARM_UP_S + 5, "the load to warm up", interval=0.2)
        disrupted_at = load.elapsed()
        figures = disrupt(load)
        wait_for(lambda: healthy(release), 300, "the members to be healthy again", interval=2)
        writes = len(flow.created)
        wait_for(
            lambda: len(flow.created) > writes, 60, "an acknowledged write after the recovery", interval=0.2
        )
        recovered_at = load.keep_on(AFTER_RECOVERY_S)
    result = load.stop()

    listed = ha.https.get("/api/lots", params={"producer_id": ha.producer}, headers=ha.admin_headers)
    assert listed.status_code == 200
    missing = set(flow.created) - {lot["id"] for lot in listed.json()}
    gap = longest_write_gap(result)
    crashed = [o for o in result.failures if o.detail == "500"]
    record(
        f"postgresql_ha_{name}",
        leader_before=before,
        leader_after=leader(release),
        write_outage_s=round(gap, 1),
        members_healthy_after_s=round(recovered_at - disrupted_at, 1),
        acknowledged_writes=len(flow.created),
        acknowledged_writes_missing=len(missing),
        replication_lag_max_bytes=lag.max_bytes,
        replication_lag_samples=lag.samples,
        **figures,
        **result.summary(),
    )
    assert result.failed_before(disrupted_at) == [], "requests failed before the disruption"
    assert result.failed_between(recovered_at) == [], "requests still fail after the recovery"
    assert crashed == [], f"a database outage must answer 503, never 500: {crashed[:10]}"
    assert not missing, f"{len(missing)} acknowledged lots are gone: {sorted(missing)[:20]}"
    assert gap < MAX_OUTAGE_S, f"no write acknowledged for {gap:.1f} s"
    assert len(flow.created) > 100


# -- the scenarios -----------------------------------------------------------------------------------------------


def test_leader_pod_deleted_a_replica_takes_over(ha: Ha) -> None:
    release = ha.release

    def delete_leader(load: Load) -> dict:
        old = leader(release)
        assert old, "no leader"
        pod = release.cluster.core.read_namespaced_pod(old, release.namespace)
        release.cluster.core.delete_namespaced_pod(old, release.namespace)
        (new, promoted_s) = wait_for(
            lambda: (name := leader(release)) and name != old and name, 60, "a replica to be promoted", 0.2
        )
        _, back_s = wait_for(
            lambda: any(p.metadata.name == old and p.metadata.uid != pod.metadata.uid and is_ready(p)
                        for p in members(release)),
            240, "the old leader's pod to rejoin as a replica",
        )  # fmt: skip
        return {"deleted_leader": old, "new_leader": new, "promoted_s": round(promoted_s, 1),
                "old_leader_rejoined_s": round(back_s, 1)}  # fmt: skip

    under_load(ha, "failover", delete_leader)


def _rolled(release: Release, revision: str) -> bool:
    statefulset = release.cluster.apps.read_namespaced_stateful_set(
        release.component("postgresql"), release.namespace
    )
    status = statefulset.status
    return (
        status.update_revision == revision
        and status.current_revision == revision
        and status.updated_replicas == MEMBERS
        and status.ready_replicas == MEMBERS
    )


def _upgrade_and_roll(release: Release, *helm_args: str) -> dict:
    apps, name, ns = release.cluster.apps, release.component("postgresql"), release.namespace
    before = apps.read_namespaced_stateful_set(name, ns).status.update_revision
    started = time.monotonic()
    release.upgrade(*helm_args)
    revision = apps.read_namespaced_stateful_set(name, ns).status.update_revision
    assert revision != before, "the upgrade did not change the members' pod template"
    wait_for(lambda: _rolled(release, revision), 420, "every member to be rolled", interval=2)
    return {"roll_s": round(time.monotonic() - started, 1)}


def test_rolling_restart_of_every_member(ha: Ha) -> None:
    release = ha.release
    under_load(
        ha,
        "rolling_restart",
        lambda load: _upgrade_and_roll(release, "--set-string", "postgresql.config.work_mem=8MB"),
    )
    assert psql(release, leader(release), "SHOW work_mem") == "8MB"
    # the upgrade's pre-upgrade backup dumped from a replica (the replicas Service), not from the leader
    hook = release.component("backup") + "-pre-upgrade"
    sources = [
        json.loads(line)
        for line in release.cluster.job_logs(release.namespace, hook).splitlines()
        if line.startswith("{") and '"event": "source"' in line
    ]
    record("postgresql_ha_backup_source", events=sources)
    assert [event["replica"] for event in sources] == [True], sources


def test_image_upgrade_after_a_switchover(ha: Ha) -> None:
    release = ha.release
    release.cluster.provisioning.alias_image("triboka-postgres-ha", "15", SECOND_TAG)

    def switchover_then_upgrade(load: Load) -> dict:
        # synchronous mode: Patroni switches over to the synchronous standby only, so no --candidate
        current = leader(release)
        started = time.monotonic()
        release.cluster.exec(
            release.namespace, current,
            ["patronictl", "-c", "/etc/patroni/patroni.yml", "switchover", "--leader", current, "--force"],
            container="postgresql",
        ).check("patronictl switchover")  # fmt: skip
        (new, _) = wait_for(
            lambda: (name := leader(release)) not in (None, current) and healthy(release) and name,
            120, "the switchover", interval=1,
        )  # fmt: skip
        switched_s = time.monotonic() - started
        figures = _upgrade_and_roll(
            release, "--set-string", "postgresql.config.work_mem=8MB",
            "--set-string", f"postgresql.ha.image.tag={SECOND_TAG}",
        )  # fmt: skip
        return {"switched_over_to": new, "switchover_s": round(switched_s, 1), **figures}

    under_load(ha, "image_upgrade", switchover_then_upgrade)
    images = {p.spec.containers[0].image for p in members(release)}
    assert images == {f"localhost/triboka-postgres-ha:{SECOND_TAG}"}
