"""`kubectl port-forward` to one pod, through the API server (the suite dials nothing but it and the ingress): a
loopback listener whose every accepted connection is relayed over a port-forward stream of its own. The deal room
scenario uses it to put a Socket.IO client on a pod it names."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.stream import portforward

from tests.e2e.cluster import Cluster


def _pump(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


def _relay(cluster: Cluster, namespace: str, pod: str, port: int, local: socket.socket) -> None:
    # a client per stream: the stream patches its client's request method while it lives
    api = k8s.CoreV1Api(k8s_config.new_client_from_config(config_file=str(cluster.kubeconfig)))
    forward = portforward(api.connect_get_namespaced_pod_portforward, pod, namespace, ports=str(port))
    remote = forward.socket(port)
    remote.setblocking(True)
    back = threading.Thread(target=_pump, args=(remote, local), daemon=True)
    back.start()
    _pump(local, remote)
    back.join(timeout=30)
    forward.close()
    local.close()


@contextlib.contextmanager
def forwarded(cluster: Cluster, namespace: str, pod: str, port: int) -> Iterator[str]:
    """`http://127.0.0.1:<free port>` reaching `pod`'s `port` while the block runs."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                local, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            local.settimeout(None)
            threading.Thread(target=_relay, args=(cluster, namespace, pod, port, local), daemon=True).start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        acceptor.join(timeout=5)
