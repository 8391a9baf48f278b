"""Render tests of charts/triboka: the NetworkPolicies."""

from __future__ import annotations

from chart_render import CHART, EXTERNAL_DB, REDIS, find, get, peer_components, render_chart, rule_ports


def test_network_policies_are_opt_in():
    assert find(render_chart(), "NetworkPolicy") == []


def test_network_policies_allow_only_the_platform_paths():
    objects = render_chart(values_files=(CHART / "ci" / "network-policies-values.yaml",))
    policies = {
        p["metadata"]["labels"]["app.kubernetes.io/component"]: p["spec"]
        for p in find(objects, "NetworkPolicy")
    }
    assert set(policies) == {"api", "web", "postgresql", "backup", "migrations", "test"}
    for spec in policies.values():
        assert spec["policyTypes"] == ["Ingress", "Egress"]
    for component in ("api", "web", "backup", "migrations", "test"):  # DNS everywhere but the database
        assert any(rule_ports(rule) == {53} for rule in policies[component]["egress"]), component
    assert "egress" not in policies["postgresql"]

    api_from = [(peer_components(r, "from"), rule_ports(r)) for r in policies["api"]["ingress"]]
    assert ({"web"}, {5003}) in api_from
    assert any("test" in peers for peers, _ in api_from)
    api_ingress_controller = policies["api"]["ingress"][1]["from"][0]
    assert api_ingress_controller["namespaceSelector"] == {
        "matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}
    }
    assert ({"postgresql"}, {5432}) in [
        (peer_components(r, "to"), rule_ports(r)) for r in policies["api"]["egress"]
    ]
    assert ({"api"}, {5003}) in [(peer_components(r, "to"), rule_ports(r)) for r in policies["web"]["egress"]]
    assert peer_components(policies["postgresql"]["ingress"][0], "from") == {"api", "migrations", "backup"}
    backup_egress = policies["backup"]["egress"]
    kube_api = next(r for r in backup_egress if rule_ports(r) == {443, 6443})
    assert kube_api["to"] == [{"ipBlock": {"cidr": "10.0.0.1/32"}}]
    metrics = [r for r in policies["api"]["ingress"] if rule_ports(r) == {9100}]
    assert metrics[0]["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    ]


def test_network_policy_for_an_external_database():
    objects = render_chart(
        {"networkPolicy": {"enabled": True, "externalDatabase": [{"ipBlock": {"cidr": "10.20.0.0/16"}}]}},
        values_files=(EXTERNAL_DB,),
    )
    api = get(objects, "NetworkPolicy", "api")["spec"]
    assert {
        "ports": [{"port": 5432, "protocol": "TCP"}],
        "to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}],
    } in api["egress"]
    assert not find(objects, "NetworkPolicy", "postgresql")


def test_network_policies_let_only_the_api_reach_redis():
    objects = render_chart(values_files=(REDIS,))
    policies = {
        p["metadata"]["labels"]["app.kubernetes.io/component"]: p["spec"]
        for p in find(objects, "NetworkPolicy")
    }
    redis = policies["redis"]
    assert redis["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "redis"
    assert redis["policyTypes"] == ["Ingress", "Egress"]
    assert "egress" not in redis  # reaches nothing
    assert [(peer_components(r, "from"), rule_ports(r)) for r in redis["ingress"]] == [({"api"}, {6379})]
    assert ({"redis"}, {6379}) in [
        (peer_components(r, "to"), rule_ports(r)) for r in policies["api"]["egress"]
    ]
    for component in ("web", "backup", "migrations", "test"):
        for rule in policies[component]["egress"]:
            assert "redis" not in peer_components(rule, "to"), component
            assert 6379 not in rule_ports(rule), component
