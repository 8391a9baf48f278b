"""S-72: the service's own Prometheus metrics as JSON: what `--metrics-port` serves, summed over the workers in
multiprocess mode (`PROMETHEUS_MULTIPROC_DIR`), else this process's default registry."""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from triboka_api.observability import IN_FLIGHT, LATENCY, POOL_CHECKED_OUT, REQUESTS


def _registry() -> CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def _samples(registry: CollectorRegistry) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = defaultdict(list)
    for metric in registry.collect():
        for sample in metric.samples:
            found[sample.name].append((sample.labels, sample.value))
    return found


def summary() -> dict[str, Any]:
    samples = _samples(_registry())
    endpoints: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"requests": 0, "server_errors": 0, "latency_seconds_sum": 0.0, "by_status": {}}
    )
    for labels, value in samples[f"{REQUESTS._name}_total"]:
        entry = endpoints[f"{labels['method']} {labels['route']}"]
        entry["requests"] += int(value)
        entry["by_status"][labels["status"]] = entry["by_status"].get(labels["status"], 0) + int(value)
        if labels["status"].startswith("5"):
            entry["server_errors"] += int(value)
    for labels, value in samples[f"{LATENCY._name}_sum"]:
        endpoints[f"{labels['method']} {labels['route']}"]["latency_seconds_sum"] += value
    for entry in endpoints.values():
        seconds = entry.pop("latency_seconds_sum")
        entry["avg_latency_ms"] = round(seconds / entry["requests"] * 1000, 2) if entry["requests"] else 0.0

    def total(name: str) -> float:
        return sum(value for _, value in samples.get(name, []))

    system = {
        "requests_total": int(sum(e["requests"] for e in endpoints.values())),
        "requests_in_flight": total(IN_FLIGHT._name),
        "db_pool_checked_out": total(POOL_CHECKED_OUT._name),
        "process_resident_memory_bytes": total("process_resident_memory_bytes") or None,
        "process_cpu_seconds_total": total("process_cpu_seconds_total") or None,
        "multiprocess": "PROMETHEUS_MULTIPROC_DIR" in os.environ,
    }
    return {"system_metrics": system, "endpoint_metrics": dict(endpoints)}
