"""Render tests of charts/triboka: every Triboka container's security context."""

from __future__ import annotations

from chart_render import get, pod_spec, render_chart


def test_every_triboka_container_is_non_root_and_read_only():
    objects = render_chart()
    workloads = [
        get(objects, "Deployment", "api"),
        get(objects, "Deployment", "web"),
        get(objects, "CronJob", "backup"),
        get(objects, "Job", "migrations"),
        get(objects, "Pod", "test"),
    ]
    for obj in workloads:
        spec = pod_spec(obj)
        assert spec["securityContext"]["runAsNonRoot"] is True, obj["metadata"]["name"]
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        for c in spec["containers"] + spec.get("initContainers", []):
            sc = c["securityContext"]
            assert sc["runAsNonRoot"] is True
            assert sc["runAsUser"] == 10001
            assert sc["readOnlyRootFilesystem"] is True
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"] == {"drop": ["ALL"]}
            assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
            assert {"name": "tmp", "mountPath": "/tmp"} in c["volumeMounts"], (
                obj["metadata"]["name"],
                c["name"],
            )
