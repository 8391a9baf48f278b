"""The chart's PrometheusRule: its alerts tested with `promtool test rules` (Prometheus 3.x, built from its Go
module by `make chart-promtool`) against the series the ServiceMonitors and kube-state-metrics deliver."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from chart_render import CHART, RenderError, find, get, render_chart

PROMTOOL = os.environ.get("PROMTOOL", "/var/cache/triboka/bin/promtool")
RULE_TESTS = Path(__file__).parent / "alerts" / "rules-test.yaml"
# what alerts/rules-test.yaml was written for
ALERT_VALUES = {"metrics": {"prometheusRule": {"enabled": True}}, "api": {"autoscaling": {"enabled": True}}}


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    if not Path(PROMTOOL).is_file():
        raise FileNotFoundError(
            f"promtool not found at {PROMTOOL}: run `make chart-promtool` or set PROMTOOL"
        )
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, check=False)


def _rules(values: dict[str, Any]) -> dict[str, Any]:
    return get(render_chart(values), "PrometheusRule", "monitoring")


def _run_rule_tests(values: dict[str, Any], tests: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    """Write the rendered rule groups as rules.yaml beside a copy of the tests and run promtool on them."""
    (workdir / "rules.yaml").write_text(yaml.safe_dump({"groups": _rules(values)["spec"]["groups"]}))
    shutil.copy(tests, workdir / "tests.yaml")
    return _promtool("test", "rules", str(workdir / "tests.yaml"))


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        out[key] = (
            _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        )
    return out


def test_rendered_rules_pass_promtool_check():
    rules = _rules(ALERT_VALUES)
    assert rules["apiVersion"] == "monitoring.coreos.com/v1"
    with_groups = Path(os.environ.get("TMPDIR", "/tmp")) / f"triboka-rules-{os.getpid()}.yaml"
    try:
        with_groups.write_text(yaml.safe_dump({"groups": rules["spec"]["groups"]}))
        proc = _promtool("check", "rules", str(with_groups))
    finally:
        with_groups.unlink(missing_ok=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_alerts_fire_and_resolve_as_the_promtool_cases_expect(tmp_path):
    proc = _run_rule_tests(ALERT_VALUES, RULE_TESTS, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "change",
    [
        {"metrics": {"prometheusRule": {"errorRatio": 0.5}}},
        {"metrics": {"prometheusRule": {"latencyP99Seconds": 2}}},
        {"api": {"dbPoolSize": 20}},
        {"backup": {"staleAfter": "2d"}},
    ],
    ids=["error-ratio", "latency", "pool-size", "stale-after"],
)
def test_the_cases_fail_when_a_threshold_moves(tmp_path, change):
    """The cases depend on the thresholds the values set: moving one makes promtool report a failure."""
    proc = _run_rule_tests(_merge(ALERT_VALUES, change), RULE_TESTS, tmp_path)
    assert proc.returncode != 0
    assert "FAILED" in proc.stdout + proc.stderr


def test_stale_after_in_days(tmp_path):
    """backup.staleAfter 2d: a CronJob without a success alerts after 48 h, not before."""
    cases = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1h",
                "input_series": [
                    {
                        "series": 'kube_cronjob_created{namespace="triboka", cronjob="rel-triboka-backup"}',
                        "values": "0x60",
                    }
                ],
                "alert_rule_test": [
                    {"eval_time": "47h", "alertname": "TribokaBackupStale", "exp_alerts": []},
                    {
                        "eval_time": "49h",
                        "alertname": "TribokaBackupStale",
                        "exp_alerts": [
                            {
                                "exp_labels": {"severity": "critical"},
                                "exp_annotations": {
                                    "summary": "No successful Triboka backup for more than 2d",
                                    "description": "The last successful run of CronJob rel-triboka-backup "
                                    "finished 2d 1h 0m 0s ago.",
                                },
                            }
                        ],
                    },
                ],
            }
        ],
    }
    tests = tmp_path / "cases.yaml"
    tests.write_text(yaml.safe_dump(cases))
    workdir = tmp_path / "run"
    workdir.mkdir()
    proc = _run_rule_tests(_merge(ALERT_VALUES, {"backup": {"staleAfter": "2d"}}), tests, workdir)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _alert_names(values: dict[str, Any]) -> list[str]:
    groups = _rules(values)["spec"]["groups"]
    return [rule["alert"] for group in groups for rule in group["rules"]]


def test_every_issue_alert_is_there():
    assert sorted(_alert_names(_merge(ALERT_VALUES, {"web": {"autoscaling": {"enabled": True}}}))) == sorted(
        [
            "TribokaAPIUnavailable",
            "TribokaWebUnavailable",
            "TribokaPodRestartLoop",
            "TribokaHPAAtMaximum",
            "TribokaHPAAtMaximum",
            "TribokaAPIErrorRatio",
            "TribokaAPILatencyP99",
            "TribokaWebErrorRatio",
            "TribokaWebLatencyP99",
            "TribokaDBPoolSaturated",
            "TribokaBackupStale",
            "TribokaBackupFailed",
        ]
    )


def test_alerts_follow_what_the_release_runs():
    names = _alert_names({"metrics": {"prometheusRule": {"enabled": True}}, "backup": {"enabled": False}})
    assert "TribokaHPAAtMaximum" not in names  # no autoscaler
    assert not [n for n in names if n.startswith("TribokaBackup")]


def test_rule_labels_namespace_and_runbook_links():
    rules = _rules(
        _merge(
            ALERT_VALUES,
            {
                "metrics": {
                    "prometheusRule": {
                        "namespace": "monitoring",
                        "additionalLabels": {"release": "kube-prometheus-stack"},
                        "labels": {"team": "platform"},
                        "runbookUrl": "https://runbooks.example.com/triboka",
                    }
                }
            },
        )
    )
    assert rules["metadata"]["namespace"] == "monitoring"
    assert rules["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    for group in rules["spec"]["groups"]:
        for rule in group["rules"]:
            assert rule["labels"]["team"] == "platform"
            assert rule["labels"]["severity"] in {"critical", "warning"}
            assert rule["annotations"]["runbook_url"] == (
                f"https://runbooks.example.com/triboka#{rule['alert'].lower()}"
            )


def test_no_prometheus_rule_by_default():
    assert find(render_chart(), "PrometheusRule") == []


@pytest.mark.parametrize(
    "values",
    [
        {"backup": {"staleAfter": "26 hours"}},
        {"backup": {"staleAfter": "0h"}},
        {"metrics": {"prometheusRule": {"errorRatio": 5}}},
        {"metrics": {"prometheusRule": {"runbookUrl": "runbooks#x"}}},
        {"metrics": {"prometheusRule": {"page": True}}},
    ],
)
def test_schema_refuses_bad_alert_values(values):
    with pytest.raises(RenderError, match="schema"):
        render_chart(values)


def test_ci_scenario_renders_the_rule():
    objects = render_chart(values_files=(CHART / "ci" / "service-monitor-values.yaml",))
    assert (
        get(objects, "PrometheusRule", "monitoring")["metadata"]["labels"]["release"]
        == "kube-prometheus-stack"
    )
