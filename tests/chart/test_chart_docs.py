"""charts/triboka/README.md's values table (helm-docs, `make chart-docs`) matches values.yaml, and every value has
a `# --` description."""

from __future__ import annotations

import json
import re

import yaml
from chart_render import CHART

ROW = re.compile(r"^\| (?P<key>[\w.\-]+) \| (?P<type>\w+) \| `(?P<default>.*)` \| (?P<description>.*) \|$")


def _readme_rows():
    rows = {}
    _, _, values_section = (CHART / "README.md").read_text().partition("\n## Values\n")
    for line in values_section.splitlines():
        match = ROW.match(line)
        if match:
            rows[match["key"]] = match
    return rows


def _leaves(node, prefix=""):
    if isinstance(node, dict) and node:
        for key, value in node.items():
            yield from _leaves(value, f"{prefix}{key}.")
    else:
        yield prefix.rstrip(".")


def _lookup(values, dotted):
    node = values
    for part in dotted.split("."):
        node = node[part]
    return node


def test_readme_values_table_matches_values_yaml():
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    rows = _readme_rows()
    assert rows, "README.md has no values table: run `make chart-docs`"
    for key, row in rows.items():
        default = None if row["default"] == "nil" else json.loads(row["default"])
        assert default == _lookup(values, key), f"{key}: README default is stale (make chart-docs)"
        assert row["description"].strip(), f"{key} has no `# --` description in values.yaml"
    documented = set(rows)
    for leaf in _leaves(values):
        parts = leaf.split(".")
        assert any(".".join(parts[:n]) in documented for n in range(len(parts), 0, -1)), (
            f"{leaf} is missing from README.md (make chart-docs)"
        )
