"""Gateway API in the chart: the HTTPRoute (`/api` and `/socket.io` -> api, `/` -> web, timeouts, HSTS), the
HTTP -> HTTPS redirect route, the chart's own Gateway and its cert-manager Certificate, each validated against the
CRD schemas of the pinned sigs.k8s.io/gateway-api module; the ingress/Gateway proxy selector of the NetworkPolicies."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from chart_render import CHART, RELEASE, REPO, RenderError, find, get, render_chart
from crd_schema import gateway_api_crd_dir, load_crd_schemas, validation_errors

FULLNAME = f"{RELEASE}-triboka"
GATEWAY_VALUES = CHART / "ci" / "gateway-values.yaml"
PRODUCTION_VALUES = REPO / "k8s" / "values" / "production.yaml"
GATEWAY_API = "gateway.networking.k8s.io/v1"
SHARED_GATEWAY = {"name": "public", "namespace": "edge", "sectionName": "https"}


@pytest.fixture(scope="module")
def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    return load_crd_schemas(gateway_api_crd_dir())


def _gateway_api_objects(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in objects if o["apiVersion"].startswith("gateway.networking.k8s.io/")]


def _routes(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["metadata"]["name"]: r["spec"] for r in find(objects, "HTTPRoute")}


def _service_port(objects: list[dict[str, Any]], component: str) -> int:
    (port,) = [p["port"] for p in get(objects, "Service", component)["spec"]["ports"] if p["name"] == "http"]
    return port


@pytest.mark.parametrize(
    ("values", "values_files"),
    [
        ({}, (GATEWAY_VALUES,)),
        ({}, (PRODUCTION_VALUES,)),
        ({"httpRoute": {"enabled": True, "parentRefs": [SHARED_GATEWAY], "timeouts": {"request": ""}}}, ()),
        ({"gateway": {"listeners": {"http": False}}}, (GATEWAY_VALUES,)),
    ],
    ids=["chart-gateway", "production", "shared-gateway-no-timeout", "https-only"],
)
def test_gateway_api_objects_validate_against_the_crds(crd_schemas, values, values_files):
    objects = _gateway_api_objects(render_chart(values, values_files))
    assert objects
    for obj in objects:
        assert obj["apiVersion"] == GATEWAY_API
        assert validation_errors(obj, crd_schemas) == [], obj["metadata"]["name"]


def test_the_crd_check_refuses_what_the_api_server_would(crd_schemas):
    """The validator can fail: an Ingress-style path type, an unknown field, a bad timeout are each refused."""
    (route,) = [
        r
        for r in find(render_chart({}, (GATEWAY_VALUES,)), "HTTPRoute")
        if "redirect" not in r["metadata"]["name"]
    ]
    broken = {
        "Ingress path type": lambda r: r["spec"]["rules"][0]["matches"][0]["path"].update(type="Prefix"),
        "unknown field": lambda r: r["spec"]["rules"][0].update(rewrite={"path": "/"}),
        "bad duration": lambda r: r["spec"]["rules"][0]["timeouts"].update(request="1 minute"),
        "no backend name": lambda r: r["spec"]["rules"][0]["backendRefs"][0].pop("name"),
    }
    for what, breaks in broken.items():
        obj = copy.deepcopy(route)
        breaks(obj)
        assert validation_errors(obj, crd_schemas), what


def test_httproute_sends_api_to_the_api_and_the_rest_to_the_web():
    objects = render_chart({}, (GATEWAY_VALUES,))
    spec = _routes(objects)[FULLNAME]
    assert spec["parentRefs"] == [
        {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": f"{FULLNAME}-gateway",
            "sectionName": "https",
        }
    ]
    assert spec["hostnames"] == ["app.triboka.example.com"]
    backends = {
        rule["matches"][0]["path"]["value"]: (rule["matches"][0]["path"]["type"], rule["backendRefs"])
        for rule in spec["rules"]
    }
    api = [{"name": f"{FULLNAME}-api", "port": _service_port(objects, "api")}]
    assert backends == {
        "/api": ("PathPrefix", api),
        "/socket.io": ("PathPrefix", api),  # the deal rooms' Socket.IO (issue 13)
        "/": ("PathPrefix", [{"name": f"{FULLNAME}-web", "port": _service_port(objects, "web")}]),
    }
    for rule in spec["rules"]:
        if rule["matches"][0]["path"]["value"] != "/socket.io":  # its own test below
            assert rule["timeouts"] == {"request": "30s", "backendRequest": "25s"}
        assert rule["filters"] == [
            {
                "type": "ResponseHeaderModifier",
                "responseHeaderModifier": {
                    "set": [
                        {"name": "Strict-Transport-Security", "value": "max-age=31536000; includeSubDomains"}
                    ]
                },
            }
        ]


def test_httproute_socket_io_has_no_request_timeout():
    """A deal room's WebSocket stays open past any request timeout: its rule has none, the others keep theirs."""
    rules = {
        rule["matches"][0]["path"]["value"]: rule
        for rule in _routes(render_chart({}, (GATEWAY_VALUES,)))[FULLNAME]["rules"]
    }
    assert "timeouts" not in rules["/socket.io"]
    assert rules["/socket.io"]["filters"] == rules["/api"]["filters"]  # HSTS all the same
    assert rules["/api"]["timeouts"]["request"] == "30s"


def test_httproute_on_a_shared_gateway_without_hsts_or_timeouts():
    objects = render_chart(
        {"httpRoute": {"enabled": True, "parentRefs": [SHARED_GATEWAY], "timeouts": {"request": ""}}}
    )
    routes = _routes(objects)
    assert set(routes) == {FULLNAME}  # no redirect route unless asked
    assert routes[FULLNAME]["parentRefs"] == [SHARED_GATEWAY]
    for rule in routes[FULLNAME]["rules"]:
        assert "filters" not in rule
        assert "timeouts" not in rule
    assert find(objects, "Gateway") == []
    assert find(objects, "Certificate") == []


def test_https_redirect_is_its_own_route_on_the_http_listener():
    routes = _routes(render_chart({"httpRoute": {"httpsRedirect": {"statusCode": 302}}}, (GATEWAY_VALUES,)))
    redirect = routes[f"{FULLNAME}-https-redirect"]
    assert redirect["parentRefs"][0]["sectionName"] == "http"
    assert redirect["hostnames"] == ["app.triboka.example.com"]
    assert redirect["rules"] == [
        {"filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 302}}]}
    ]
    # the HTTPS route never sits on the plain-HTTP listener, or it would serve the app without TLS
    assert [p["sectionName"] for p in routes[FULLNAME]["parentRefs"]] == ["https"]


def test_production_redirects_on_the_shared_gateways_http_listener():
    routes = _routes(render_chart({}, (PRODUCTION_VALUES,)))
    assert routes[FULLNAME]["parentRefs"] == [
        {"name": "public", "namespace": "envoy-gateway-system", "sectionName": "https"}
    ]
    assert routes[f"{FULLNAME}-https-redirect"]["parentRefs"] == [
        {"name": "public", "namespace": "envoy-gateway-system", "sectionName": "http"}
    ]


def test_gateway_terminates_tls_with_the_certificates_secret():
    objects = render_chart({}, (GATEWAY_VALUES,))
    gateway = get(objects, "Gateway", "gateway")
    assert gateway["metadata"]["name"] == f"{FULLNAME}-gateway"
    spec = gateway["spec"]
    assert spec["gatewayClassName"] == "eg"
    listeners = {listener["name"]: listener for listener in spec["listeners"]}
    assert set(listeners) == {"https", "http"}
    https = listeners["https"]
    assert (https["protocol"], https["port"], https["hostname"]) == ("HTTPS", 443, "app.triboka.example.com")
    assert https["tls"] == {
        "mode": "Terminate",
        "certificateRefs": [{"kind": "Secret", "group": "", "name": f"{FULLNAME}-tls"}],
    }
    assert (listeners["http"]["protocol"], listeners["http"]["port"]) == ("HTTP", 80)
    for listener in listeners.values():  # only this release's routes may attach
        assert listener["allowedRoutes"] == {"namespaces": {"from": "Same"}}
    certificate = get(objects, "Certificate", "gateway")
    assert certificate["apiVersion"] == "cert-manager.io/v1"
    assert certificate["spec"] == {
        "secretName": f"{FULLNAME}-tls",
        "dnsNames": ["app.triboka.example.com"],
        "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": "letsencrypt-prod"},
    }


def test_gateway_with_an_existing_secret_and_no_certificate():
    objects = render_chart(
        {"gateway": {"tls": {"secretName": "wildcard-tls"}, "certificate": {"enabled": False}}},
        (GATEWAY_VALUES,),
    )
    (ref,) = get(objects, "Gateway", "gateway")["spec"]["listeners"][0]["tls"]["certificateRefs"]
    assert ref["name"] == "wildcard-tls"
    assert find(objects, "Certificate") == []


def test_no_gateway_api_objects_by_default():
    objects = render_chart()
    assert _gateway_api_objects(objects) == []
    assert find(objects, "Certificate") == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"httpRoute": {"enabled": True}}, "set the parentRefs of the https listener, or gateway.enabled"),
        (
            {
                "httpRoute": {
                    "enabled": True,
                    "parentRefs": [SHARED_GATEWAY],
                    "httpsRedirect": {"enabled": True},
                }
            },
            "set the parentRefs of the http listener",
        ),
        ({"gateway": {"enabled": True}}, r"gateway\.gatewayClassName is required"),
        (
            {"gateway": {"enabled": True, "gatewayClassName": "eg", "certificate": {"enabled": True}}},
            r"gateway\.certificate\.issuerRef\.name is required",
        ),
    ],
)
def test_incomplete_gateway_values_fail_with_a_message(values, message):
    with pytest.raises(RenderError, match=message):
        render_chart(values)


@pytest.mark.parametrize(
    "values",
    [
        {"httpRoute": {"timeouts": {"request": "1 minute"}}},
        {"httpRoute": {"httpsRedirect": {"statusCode": 308}}},
        {"httpRoute": {"parentRefs": [{"namespace": "edge"}]}},
        {"httpRoute": {"parentRefs": [{"name": "eg", "listener": "https"}]}},
        {"httpRoute": {"hostnames": ["App.Example.com"]}},
        {"gateway": {"listeners": {"httpsPort": 70000}}},
        {"gateway": {"certificate": {"issuerRef": {"kind": "Vault"}}}},
        {"ingress": {"nginx": {"forceSslRedirect": True}}},  # now a preset of ingress.annotations
    ],
)
def test_schema_refuses_bad_gateway_values(values):
    with pytest.raises(RenderError, match="schema"):
        render_chart(values)


# --- the proxy pods the NetworkPolicies admit ------------------------------------------------------------


def _http_sources(objects: list[dict[str, Any]], component: str) -> list[dict[str, Any]]:
    """The peers of the rule that admits the proxies and the `helm test` pod to a component's http port."""
    policy = get(objects, "NetworkPolicy", component)
    (rule,) = [
        r
        for r in policy["spec"]["ingress"]
        if any(
            p.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/component") == "test"
            for p in r["from"]
        )
    ]
    assert [p["port"] for p in rule["ports"]] == [_service_port(objects, component)]
    return rule["from"]


def test_network_policies_admit_no_proxy_unless_one_is_selected():
    objects = render_chart({"networkPolicy": {"enabled": True}, "ingress": {"enabled": True}})
    for component in ("api", "web"):
        sources = _http_sources(objects, component)
        assert all("namespaceSelector" not in peer for peer in sources), component
        assert [peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for peer in sources] == [
            "test"
        ]


def test_network_policies_admit_the_selected_gateway_proxies():
    objects = render_chart({}, (GATEWAY_VALUES,))
    for component in ("api", "web"):
        proxy = _http_sources(objects, component)[0]
        assert proxy == {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "envoy-gateway-system"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/managed-by": "envoy-gateway"}},
        }


def test_ingress_carries_only_the_annotations_given():
    objects = render_chart({"ingress": {"enabled": True, "className": "nginx", "tls": {"enabled": True}}})
    assert "annotations" not in get(objects, "Ingress", "ingress")["metadata"]
