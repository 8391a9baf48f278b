"""The release's ConfigMaps (and Secrets, only when backups are encrypted), read from inside the cluster."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from urllib3.exceptions import HTTPError

from triboka_backup.errors import DumpError

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")


def snapshot(
    namespace: str | None, release: str | None, with_secrets: bool
) -> tuple[bytes | None, list[str]]:
    """The configuration as JSON bytes (or None) and notes on what was skipped and why."""
    if not os.environ.get("KUBERNETES_SERVICE_HOST") or not (SERVICE_ACCOUNT / "token").is_file():
        return None, ["configuration skipped: not running inside a Kubernetes cluster"]
    if not release:
        return None, ["configuration skipped: TRIBOKA_BACKUP_RELEASE is not set"]
    namespace = namespace or (SERVICE_ACCOUNT / "namespace").read_text().strip()
    selector = f"app.kubernetes.io/instance={release}"
    notes = [] if with_secrets else ["secrets skipped: no encryption key configured"]
    # Imported here: the client takes about a second to import and is only needed inside a cluster.
    from kubernetes import client, config
    from kubernetes.client.exceptions import ApiException

    try:
        config.load_incluster_config()
        api = client.CoreV1Api()
        configmaps = api.list_namespaced_config_map(namespace, label_selector=selector).items
        secrets = api.list_namespaced_secret(namespace, label_selector=selector).items if with_secrets else []
    except (ApiException, HTTPError, config.ConfigException) as exc:
        raise DumpError(f"cannot read configuration of release {release} in {namespace}: {exc}") from None
    document: dict[str, Any] = {
        "namespace": namespace,
        "selector": selector,
        "configmaps": [_item(cm, {"data": cm.data, "binaryData": cm.binary_data}) for cm in configmaps],
        "secrets": [_item(s, {"type": s.type, "data": s.data}) for s in secrets],
    }
    return json.dumps(document, indent=2, sort_keys=True).encode(), notes


def _item(obj: Any, body: dict[str, Any]) -> dict[str, Any]:
    return {"name": obj.metadata.name, "labels": obj.metadata.labels or {}, **body}
