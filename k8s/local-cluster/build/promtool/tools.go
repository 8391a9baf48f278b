//go:build tools

// Builds promtool and Prometheus from Prometheus' own module, so both are the same version: `promtool test rules`
// checks the chart's PrometheusRule, and the e2e's Prometheus (tests/e2e/test_12_alerts.py) evaluates it live.
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/prometheus"
	_ "github.com/prometheus/prometheus/cmd/promtool"
)
