"""The release's ConfigMaps (and its named Secrets, only when backups are encrypted), read from inside the cluster."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from urllib3.exceptions import HTTPError

from triboka_backup.errors import DumpError

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")


def snapshot(
    namespace: str | None, release: str | None, with_secrets: bool, secret_names: list[str]
) -> tuple[bytes | None, list[str]]:
    """The configuration as JSON bytes (or None) and notes on what was skipped and why.

    Secrets are read one by one by name (`get`), never listed: the chart's Role may `get` exactly these names
    (`resourceNames`), and `list` cannot be restricted by name, so listing would need every Secret of the
    namespace."""
    if not os.environ.get("KUBERNETES_SERVICE_HOST") or not (SERVICE_ACCOUNT / "token").is_file():
        return None, ["configuration skipped: not running inside a Kubernetes cluster"]
    if not release:
        return None, ["configuration skipped: TRIBOKA_BACKUP_RELEASE is not set"]
    namespace = namespace or (SERVICE_ACCOUNT / "namespace").read_text().strip()
    selector = f"app.kubernetes.io/instance={release}"
    notes = _secret_notes(with_secrets, secret_names)
    wanted = secret_names if with_secrets else []
    # Imported here: the client takes about a second to import and is only needed inside a cluster.
    from kubernetes import client, config
    from kubernetes.client.exceptions import ApiException

    try:
        config.load_incluster_config()
        api = client.CoreV1Api()
        configmaps = api.list_namespaced_config_map(namespace, label_selector=selector).items
        secrets = []
        for name in wanted:
            try:
                secrets.append(api.read_namespaced_secret(name, namespace))
            except ApiException as exc:
                if exc.status != 404:
                    raise
                notes.append(f"secret {name} skipped: not found in {namespace}")
    except (ApiException, HTTPError, config.ConfigException) as exc:
        raise DumpError(f"cannot read configuration of release {release} in {namespace}: {exc}") from None
    document: dict[str, Any] = {
        "namespace": namespace,
        "selector": selector,
        "configmaps": [_item(cm, {"data": cm.data, "binaryData": cm.binary_data}) for cm in configmaps],
        "secrets": [_item(s, {"type": s.type, "data": s.data}) for s in secrets],
    }
    return json.dumps(document, indent=2, sort_keys=True).encode(), notes


def _secret_notes(with_secrets: bool, secret_names: list[str]) -> list[str]:
    if not with_secrets:
        return ["secrets skipped: no encryption key configured"]
    if not secret_names:
        return ["secrets skipped: TRIBOKA_BACKUP_SECRET_NAMES is not set"]
    return []


def _item(obj: Any, body: dict[str, Any]) -> dict[str, Any]:
    return {"name": obj.metadata.name, "labels": obj.metadata.labels or {}, **body}
