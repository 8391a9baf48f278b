"""The cluster under test: how it was provisioned (the local harness or kind), the Kubernetes API through the
`kubernetes` client, helm, and bounded waits.

Everything the suite does to the cluster goes through the API server (kubectl-style exec and logs included) or
through the ingress on 127.0.0.1; the test process never dials a pod or Service address."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.stream import stream

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "triboka"
T = TypeVar("T")


class WaitTimeoutError(AssertionError):
    pass


def wait_for(
    condition: Callable[[], T | None], timeout: float, what: str, interval: float = 1.0
) -> tuple[T, float]:
    """Poll `condition` until it returns something truthy; returns it and the seconds it took. Bounded."""
    start = time.monotonic()
    last_error: Exception | None = None
    while True:
        try:
            result = condition()
            if result:
                return result, time.monotonic() - start
        except Exception as error:  # a transient API error while things restart is not the verdict
            last_error = error
        if time.monotonic() - start > timeout:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise WaitTimeoutError(f"timed out after {timeout:.0f} s waiting for {what}{detail}")
        time.sleep(interval)


def app_version() -> str:
    for line in (CHART / "Chart.yaml").read_text().splitlines():
        if line.startswith("appVersion:"):
            return line.split(":", 1)[1].strip().strip('"')
    raise AssertionError("no appVersion in Chart.yaml")


@dataclass(frozen=True)
class Provisioning:
    """What differs between clusters: where the kubeconfig is, the values overlay, how an image gets a second
    tag inside the cluster's image store (there is no registry in either)."""

    name: str
    kubeconfig: Path
    values_file: Path

    def alias_image(self, repository: str, tag: str, new_tag: str) -> None:
        source, target = f"localhost/{repository}:{tag}", f"localhost/{repository}:{new_tag}"
        run([*self._ctr(), "images", "rm", target], check=False)
        run([*self._ctr(), "images", "tag", source, target])

    def load_image(self, image: str) -> None:
        """A podman image into the cluster's image store, with the harness's own loader (k8s/<harness>/load-images)."""
        harness = "local-cluster" if self.name == "local" else "kind"
        run([str(REPO / "k8s" / harness / "load-images"), image], timeout=300)

    def _ctr(self) -> list[str]:
        """ctr on the cluster's image store: the local cluster's containerd, or the one in kind's node container."""
        if self.name == "local":
            state = Path(os.environ.get("TRIBOKA_CLUSTER_STATE", "/var/lib/triboka-cluster"))
            return ["ctr", "-a", str(state / "containerd" / "containerd.sock"), "-n", "k8s.io"]
        engine = os.environ.get("KIND_EXPERIMENTAL_PROVIDER", "podman")
        node = f"{os.environ.get('KIND_CLUSTER', 'triboka')}-control-plane"
        return [engine, "exec", node, "ctr", "-n", "k8s.io"]


def provisioning() -> Provisioning:
    name = os.environ.get("TRIBOKA_E2E_CLUSTER", "local")
    env_config = os.environ.get("KUBECONFIG", "").split(os.pathsep)[0]
    if name == "local":
        state = Path(os.environ.get("TRIBOKA_CLUSTER_STATE", "/var/lib/triboka-cluster"))
        kubeconfig = Path(env_config) if env_config else state / "kubeconfig"
        return Provisioning("local", kubeconfig, REPO / "k8s" / "values" / "local.yaml")
    if name == "kind":
        # k8s/kind/up: the same add-ons (ingress controller, StorageClass, localhost/ images) as the local cluster
        kubeconfig = Path(env_config) if env_config else Path("/var/lib/triboka-kind/kubeconfig")
        return Provisioning("kind", kubeconfig, REPO / "k8s" / "values" / "local.yaml")
    raise AssertionError(f"TRIBOKA_E2E_CLUSTER must be local or kind, not {name!r}")


def run(
    args: list[str], timeout: float = 120, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


@dataclass(frozen=True)
class ExecResult:
    returncode: int
    stdout: str
    stderr: str

    def check(self, what: str) -> ExecResult:
        assert self.returncode == 0, f"{what} exited {self.returncode}:\n{self.stdout}\n{self.stderr}"
        return self


class Cluster:
    def __init__(self, prov: Provisioning) -> None:
        self.provisioning = prov
        self.kubeconfig = prov.kubeconfig
        self.api_client = k8s_config.new_client_from_config(config_file=str(prov.kubeconfig))
        # exec patches its client's request method while it streams: a client of its own
        self._exec_client = k8s_config.new_client_from_config(config_file=str(prov.kubeconfig))
        self.core = k8s.CoreV1Api(self.api_client)
        self.apps = k8s.AppsV1Api(self.api_client)
        self.batch = k8s.BatchV1Api(self.api_client)
        self.autoscaling = k8s.AutoscalingV2Api(self.api_client)
        self.discovery = k8s.DiscoveryV1Api(self.api_client)
        self.networking = k8s.NetworkingV1Api(self.api_client)
        self.helm_binary = os.environ.get("HELM") or shutil.which("helm") or "/var/cache/triboka/bin/helm"

    def version(self) -> str:
        return k8s.VersionApi(self.api_client).get_code().git_version

    def helm(self, *args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "KUBECONFIG": str(self.kubeconfig)}
        return run([self.helm_binary, *args], timeout=timeout, check=check, env=env)

    def exec(
        self, namespace: str, pod: str, command: list[str], container: str | None = None, timeout: float = 300
    ) -> ExecResult:
        """Run a command in a container through the API server (like `kubectl exec`)."""
        core = k8s.CoreV1Api(self._exec_client)
        kwargs = {"container": container} if container else {}
        ws = stream(
            core.connect_get_namespaced_pod_exec,
            pod,
            namespace,
            command=command,
            stderr=True,
            stdin=False,
            stdout=True,
            tty=False,
            _preload_content=False,
            **kwargs,
        )
        stdout: list[str] = []
        stderr: list[str] = []
        deadline = time.monotonic() + timeout
        try:
            while ws.is_open():
                if time.monotonic() > deadline:
                    raise WaitTimeoutError(f"exec {command} in {pod} took more than {timeout:.0f} s")
                ws.update(timeout=1)
                if ws.peek_stdout():
                    stdout.append(ws.read_stdout())
                if ws.peek_stderr():
                    stderr.append(ws.read_stderr())
            returncode = ws.returncode
        finally:
            ws.close()
        return ExecResult(returncode if returncode is not None else -1, "".join(stdout), "".join(stderr))

    def pods(self, namespace: str, selector: str) -> list[k8s.V1Pod]:
        return self.core.list_namespaced_pod(namespace, label_selector=selector).items

    def logs(self, namespace: str, pod: str, container: str | None = None) -> str:
        kwargs = {"container": container} if container else {}
        # raw: the client would otherwise try to deserialize log lines that look like JSON
        response = self.core.read_namespaced_pod_log(pod, namespace, _preload_content=False, **kwargs)
        return response.data.decode(errors="replace")

    def wait_job(self, namespace: str, name: str, timeout: float) -> tuple[k8s.V1Job, float]:
        """Wait for a Job to finish; returns it (the caller asserts success, with the logs at hand)."""

        def finished() -> k8s.V1Job | None:
            job = self.batch.read_namespaced_job(name, namespace)
            return job if (job.status.succeeded or job.status.failed) else None

        return wait_for(finished, timeout, f"job {namespace}/{name} to finish")

    def job_logs(self, namespace: str, job: str) -> str:
        out = []
        for pod in self.pods(namespace, f"job-name={job}"):
            containers = [c.name for c in (pod.spec.init_containers or [])] + [
                c.name for c in pod.spec.containers
            ]
            for container in containers:
                try:
                    text = self.logs(namespace, pod.metadata.name, container)
                except k8s.ApiException as error:
                    text = f"<no logs: {error.reason}>"
                out.append(f"--- {pod.metadata.name}/{container}\n{text}")
        return "\n".join(out)
