{{/* Small pod-spec snippets shared by the workloads: probes, replica floor, scheduling. */}}

{{/* An httpGet probe; context: (dict "path" "/api/health" "port" "http" "probe" .Values.api.startupProbe) */}}
{{- define "triboka.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: {{ .port }}
{{ toYaml .probe }}
{{- end }}

{{/* Replicas that run at least: HPA minReplicas, else replicaCount. */}}
{{- define "triboka.minReplicas" -}}
{{- $v := index .root.Values .component -}}
{{- if $v.autoscaling.enabled }}{{ $v.autoscaling.minReplicas }}{{ else }}{{ $v.replicaCount }}{{ end }}
{{- end }}

{{/* A pod spec's nodeSelector, tolerations and affinity, when set; context: the component's values */}}
{{- define "triboka.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Fails unless the pod outlives its preStop sleep plus the server's graceful shutdown; context:
     (dict "root" $ "component" "api") */}}
{{- define "triboka.assertGracePeriod" -}}
{{- $v := index .root.Values .component -}}
{{- if le (int $v.terminationGracePeriodSeconds) (add $v.preStopSleepSeconds $v.gracefulShutdownSeconds | int) }}
{{- fail (printf "%s.terminationGracePeriodSeconds must exceed preStopSleepSeconds + gracefulShutdownSeconds" .component) }}
{{- end }}
{{- end }}

{{/* The container ports of a server with a metrics listener; context: the component's `service` values. */}}
{{- define "triboka.httpPorts" -}}
- name: http
  containerPort: {{ .port }}
  protocol: TCP
- name: metrics
  containerPort: {{ .metricsPort }}
  protocol: TCP
{{- end }}

{{/* A workload's topologySpreadConstraints, each completed with the component's selector labels, when set;
     context: (dict "root" $ "component" "api") */}}
{{- define "triboka.topologySpreadConstraints" -}}
{{- with (index .root.Values .component).topologySpreadConstraints }}
topologySpreadConstraints:
  {{- range . }}
  - {{- toYaml (merge (dict) . (dict "labelSelector" (dict "matchLabels" (include "triboka.selectorLabels" $ | fromYaml)))) | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}

{{/* An HPA's resource metrics: CPU and/or memory utilization targets; context: the component's `autoscaling`. */}}
{{- define "triboka.hpaMetrics" -}}
{{- range $resource, $target := dict "cpu" .targetCPUUtilizationPercentage "memory" .targetMemoryUtilizationPercentage }}
{{- if $target }}
- type: Resource
  resource:
    name: {{ $resource }}
    target:
      type: Utilization
      averageUtilization: {{ $target }}
{{- end }}
{{- end }}
{{- end }}

{{/* A ServiceMonitor's endpoint: the Service's `metrics` port; context: .Values.metrics.serviceMonitor */}}
{{- define "triboka.metricsEndpoint" -}}
- port: metrics
  path: /metrics
  scheme: http
  {{- with .interval }}
  interval: {{ . | quote }}
  {{- end }}
  {{- with .scrapeTimeout }}
  scrapeTimeout: {{ . | quote }}
  {{- end }}
  {{- with .relabelings }}
  relabelings:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .metricRelabelings }}
  metricRelabelings:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
