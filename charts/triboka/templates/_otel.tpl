{{/* OpenTelemetry tracing of api and web (README "Tracing"): the standard OTEL_* variables, only when
     `otel.endpoint` is set (unset, the services import no tracing code). Context: (dict "root" $ "component" "api") */}}
{{- define "triboka.otelConfig" -}}
{{- with .root.Values.otel }}
{{- if .endpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ .endpoint | quote }}
OTEL_SERVICE_NAME: {{ index .serviceNames $.component | quote }}
OTEL_TRACES_SAMPLER: "parentbased_traceidratio"
OTEL_TRACES_SAMPLER_ARG: {{ .samplingRatio | toString | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* Egress from api and web to the collector, on the endpoint's port (its default for the scheme when it names
     none); to `otel.networkPolicyPeers`, or any address when that is empty. */}}
{{- define "triboka.netpol.otelEgress" -}}
{{- with .Values.otel }}
{{- if .endpoint }}
{{- $url := urlParse .endpoint }}
{{- $hostPort := splitList ":" $url.host }}
- ports:
    - port: {{ if gt (len $hostPort) 1 }}{{ last $hostPort }}{{ else if eq $url.scheme "https" }}443{{ else }}80{{ end }}
      protocol: TCP
  {{- with .networkPolicyPeers }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}
{{- end }}
