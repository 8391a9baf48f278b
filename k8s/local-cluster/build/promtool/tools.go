//go:build tools

// Builds promtool from Prometheus' own module: `promtool test rules` checks the chart's PrometheusRule.
package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"
