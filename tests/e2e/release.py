"""The chart installed in a namespace of its own: helm operations, the release's objects, the database, and
diagnostics when something fails."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from kubernetes import client as k8s

from tests.e2e.cluster import CHART, Cluster, ExecResult, wait_for


def is_ready(pod: k8s.V1Pod) -> bool:
    if pod.metadata.deletion_timestamp or pod.status.phase != "Running":
        return False
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])


def restarts(pod: k8s.V1Pod) -> int:
    return sum(c.restart_count for c in pod.status.container_statuses or [])


@dataclass
class Release:
    cluster: Cluster
    name: str
    namespace: str
    host: str
    values_files: list[Path]
    history: list[str] = field(default_factory=list)

    # -- names -------------------------------------------------------------------------------------------------
    @property
    def fullname(self) -> str:
        return self.name if "triboka" in self.name else f"{self.name}-triboka"

    def component(self, component: str) -> str:
        return f"{self.fullname}-{component}"

    def selector(self, component: str) -> str:
        return f"app.kubernetes.io/instance={self.name},app.kubernetes.io/component={component}"

    # -- helm --------------------------------------------------------------------------------------------------
    def _values_args(self) -> list[str]:
        """The suite's values files (the last one names the images under test: conftest `_image_tag_values`)."""
        return [arg for f in self.values_files for arg in ("--values", str(f))]

    def install(self, timeout: str = "8m") -> float:
        return self._timed(
            "install", self.name, str(CHART), "--namespace", self.namespace, *self._values_args(),
            "--wait", "--wait-for-jobs", "--timeout", timeout,
        )  # fmt: skip

    def upgrade(self, *extra: str, timeout: str = "8m") -> float:
        """`helm upgrade` with the suite's values plus `extra` (e.g. --set-string ...); returns its seconds."""
        return self._timed(
            "upgrade", self.name, str(CHART), "--namespace", self.namespace, *self._values_args(), *extra,
            "--wait", "--wait-for-jobs", "--timeout", timeout,
        )  # fmt: skip

    def rollback(self, revision: int, timeout: str = "8m") -> float:
        return self._timed(
            "rollback", self.name, str(revision), "--namespace", self.namespace,
            "--wait", "--wait-for-jobs", "--timeout", timeout,
        )  # fmt: skip

    def _timed(self, *args: str) -> float:
        start = time.monotonic()
        proc = self.cluster.helm(*args, timeout=900)
        self.history.append(f"helm {args[0]}: {proc.stdout.strip().splitlines()[:1]}")
        return time.monotonic() - start

    def revision(self) -> int:
        status = json.loads(self.cluster.helm("status", self.name, "-n", self.namespace, "-o", "json").stdout)
        return int(status["version"])

    # -- objects -----------------------------------------------------------------------------------------------
    def pods(self, component: str) -> list[k8s.V1Pod]:
        return self.cluster.pods(self.namespace, self.selector(component))

    def ready_pods(self, component: str) -> list[k8s.V1Pod]:
        return [p for p in self.pods(component) if is_ready(p)]

    def ready_endpoints(self, component: str) -> list[str]:
        """Addresses of the component Service's ready endpoints (what the ingress and kube-proxy route to)."""
        slices = self.cluster.discovery.list_namespaced_endpoint_slice(
            self.namespace, label_selector=f"kubernetes.io/service-name={self.component(component)}"
        ).items
        return [
            address
            for s in slices
            for e in s.endpoints or []
            if e.conditions is None or e.conditions.ready is not False
            for address in e.addresses
        ]

    def deployment_images(self, component: str) -> list[str]:
        return [p.spec.containers[0].image for p in self.pods(component) if not p.metadata.deletion_timestamp]

    def wait_rolled_out(self, component: str, timeout: float) -> float:
        """Wait until the Deployment's pods are all updated, available and the only ones; returns seconds."""

        def done() -> bool:
            d = self.cluster.apps.read_namespaced_deployment(self.component(component), self.namespace)
            s, want = d.status, d.spec.replicas
            pods = [p for p in self.pods(component) if not p.metadata.deletion_timestamp]
            return (
                s.observed_generation == d.metadata.generation
                and s.updated_replicas == want
                and s.ready_replicas == want
                and s.available_replicas == want
                and (s.replicas or 0) == want
                and len(pods) == want
                and all(is_ready(p) for p in pods)
            )

        return wait_for(done, timeout, f"{component} to be rolled out and ready")[1]

    def secret(self, key: str) -> str:
        secret = self.cluster.core.read_namespaced_secret(self.fullname, self.namespace)
        return base64.b64decode(secret.data[key]).decode()

    # -- commands in the release's pods ------------------------------------------------------------------------
    def exec_api(self, *command: str) -> ExecResult:
        pods = self.ready_pods("api")
        assert pods, "no ready API pod"
        return self.cluster.exec(self.namespace, pods[0].metadata.name, list(command), container="api")

    def postgres_pod(self) -> str:
        return f"{self.component('postgresql')}-0"

    def psql(self, sql: str, database: str | None = None) -> str:
        """Run SQL in the in-chart PostgreSQL as its owner (inside the database pod); returns unaligned rows."""
        db = database or '"$POSTGRES_DB"'
        script = f'PGPASSWORD="$POSTGRES_PASSWORD" psql -h 127.0.0.1 -U "$POSTGRES_USER" -d {db} -v ON_ERROR_STOP=1 -Atc "$0"'
        result = self.cluster.exec(
            self.namespace, self.postgres_pod(), ["sh", "-c", script, sql], container="postgresql"
        )
        return result.check(f"psql {sql!r}").stdout.strip()

    # -- when something failed ---------------------------------------------------------------------------------
    def dump_diagnostics(self, directory: Path) -> None:
        """Pods (status, restarts), events and every container's log, for the report of a failed run."""
        directory.mkdir(parents=True, exist_ok=True)
        core = self.cluster.core
        lines = []
        for pod in core.list_namespaced_pod(self.namespace).items:
            lines.append(
                f"{pod.metadata.name} phase={pod.status.phase} ready={is_ready(pod)} restarts={restarts(pod)}"
            )
            for container in [*(pod.spec.init_containers or []), *pod.spec.containers]:
                try:
                    text = self.cluster.logs(self.namespace, pod.metadata.name, container.name)
                except k8s.ApiException as error:
                    text = f"<no logs: {error.reason}>"
                (directory / f"{pod.metadata.name}.{container.name}.log").write_text(text)
        (directory / "pods.txt").write_text("\n".join(lines) + "\n")
        events = core.list_namespaced_event(self.namespace).items
        events.sort(key=lambda e: str(e.last_timestamp or e.event_time or e.metadata.creation_timestamp))
        (directory / "events.txt").write_text(
            "\n".join(
                f"{e.last_timestamp or e.event_time} {e.type} {e.involved_object.kind}/{e.involved_object.name}"
                f" {e.reason}: {e.message}"
                for e in events
            )
            + "\n"
        )
        (directory / "helm.txt").write_text("\n".join(self.history) + "\n")
