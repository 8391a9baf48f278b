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
