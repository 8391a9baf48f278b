"""Render tests of charts/triboka: OpenTelemetry tracing (`otel.*`) of the api and web, off by default."""

from __future__ import annotations

import pytest
from chart_render import RenderError, get, render_chart, rule_ports

COLLECTOR = "http://otel-collector.observability:4318"
COLLECTOR_PEER = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}}}


def _otel_settings(objects: list[dict], component: str) -> dict[str, str]:
    data = get(objects, "ConfigMap", component)["data"]
    return {key: value for key, value in data.items() if key.startswith("OTEL_")}


@pytest.mark.parametrize("component", ["api", "web"])
def test_tracing_is_off_by_default(component: str) -> None:
    assert _otel_settings(render_chart(), component) == {}


@pytest.mark.parametrize(("component", "service_name"), [("api", "cacao-api"), ("web", "triboka-web")])
def test_an_endpoint_turns_tracing_on_with_the_service_name_and_sampling(
    component: str, service_name: str
) -> None:
    values = {"otel": {"endpoint": COLLECTOR, "serviceNames": {"api": "cacao-api"}, "samplingRatio": 0.25}}
    assert _otel_settings(render_chart(values), component) == {
        "OTEL_EXPORTER_OTLP_ENDPOINT": COLLECTOR,
        "OTEL_SERVICE_NAME": service_name,
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0.25",
    }


@pytest.mark.parametrize(
    ("endpoint", "port"),
    [(COLLECTOR, 4318), ("https://otlp.example.com", 443), ("http://collector/otlp", 80)],
)
@pytest.mark.parametrize("component", ["api", "web"])
def test_network_policy_lets_api_and_web_reach_the_collector_only(
    component: str, endpoint: str, port: int
) -> None:
    values = {
        "networkPolicy": {"enabled": True},
        "otel": {"endpoint": endpoint, "networkPolicyPeers": [COLLECTOR_PEER]},
    }
    egress = get(render_chart(values), "NetworkPolicy", component)["spec"]["egress"]
    (rule,) = [rule for rule in egress if rule_ports(rule) == {port}]
    assert rule["to"] == [COLLECTOR_PEER]


@pytest.mark.parametrize("component", ["api", "web"])
def test_no_collector_egress_while_tracing_is_off(component: str) -> None:
    values = {"networkPolicy": {"enabled": True}, "otel": {"networkPolicyPeers": [COLLECTOR_PEER]}}
    egress = get(render_chart(values), "NetworkPolicy", component)["spec"]["egress"]
    assert all(rule.get("to") != [COLLECTOR_PEER] for rule in egress)


@pytest.mark.parametrize(
    "otel",
    [
        {"endpoint": "otel-collector:4318"},  # no scheme: the SDK would not know how to reach it
        {"samplingRatio": 1.5},
        {"serviceNames": {"api": ""}},
        {"exporter": "grpc"},
    ],
)
def test_schema_refuses_bad_otel_values(otel: dict) -> None:
    with pytest.raises(RenderError):
        render_chart({"otel": otel})
