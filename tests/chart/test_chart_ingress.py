"""Render tests of charts/triboka: the Ingress."""

from __future__ import annotations

from chart_render import CHART, FULLNAME, find, get, render_chart


def test_ingress_paths_tls_and_annotations():
    objects = render_chart(
        values_files=(CHART / "ci" / "ingress-tls-values.yaml",), show_only=["ingress/ingress.yaml"]
    )
    ingress = get(objects, "Ingress", "ingress")
    spec = ingress["spec"]
    assert spec["ingressClassName"] == "nginx"
    assert spec["tls"] == [{"hosts": ["app.triboka.example.com"], "secretName": "triboka-tls"}]
    (rule,) = spec["rules"]
    assert rule["host"] == "app.triboka.example.com"
    routes = {
        p["path"]: (p["pathType"], p["backend"]["service"]["name"], p["backend"]["service"]["port"])
        for p in rule["http"]["paths"]
    }
    assert routes == {
        "/socket.io": ("Prefix", f"{FULLNAME}-api", {"name": "http"}),  # deal rooms' Socket.IO (issue 13)
        "/api": ("Prefix", f"{FULLNAME}-api", {"name": "http"}),
        "/": ("Prefix", f"{FULLNAME}-web", {"name": "http"}),
    }
    annotations = ingress["metadata"]["annotations"]
    assert annotations["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"
    assert annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
    assert annotations["nginx.ingress.kubernetes.io/limit-rps"] == "20"
    assert annotations["nginx.ingress.kubernetes.io/limit-connections"] == "50"
    assert (
        "max-age=31536000; includeSubDomains; preload"
        in annotations["nginx.ingress.kubernetes.io/configuration-snippet"]
    )
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "10m"


def test_ingress_for_traefik_has_no_nginx_annotations():
    objects = render_chart(
        {"ingress": {"enabled": True, "className": "traefik", "host": "triboka.localhost"}},
        show_only=["ingress/ingress.yaml"],
    )
    ingress = get(objects, "Ingress", "ingress")
    assert ingress["spec"]["ingressClassName"] == "traefik"
    assert "annotations" not in ingress["metadata"]
    assert "tls" not in ingress["spec"]


def test_no_ingress_by_default():
    assert find(render_chart(), "Ingress") == []
