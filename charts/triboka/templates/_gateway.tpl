{{/* Names shared by the Gateway API objects (templates/gateway/). */}}

{{/* The chart's Gateway: "<fullname>-gateway" */}}
{{- define "triboka.gateway.name" -}}
{{- include "triboka.componentName" (dict "root" . "component" "gateway") }}
{{- end }}

{{/* Secret of the Gateway's HTTPS listener (and of its cert-manager Certificate) */}}
{{- define "triboka.gateway.tlsSecretName" -}}
{{- .Values.gateway.tls.secretName | default (printf "%s-tls" (include "triboka.fullname" .)) }}
{{- end }}

{{/* An HTTPRoute's parentRefs: the given list, or else the chart's Gateway at one listener;
     context: (dict "root" $ "refs" .Values.httpRoute.parentRefs "section" "https") */}}
{{- define "triboka.gateway.parentRefs" -}}
{{- if .refs }}
{{- toYaml .refs }}
{{- else if .root.Values.gateway.enabled }}
- group: gateway.networking.k8s.io
  kind: Gateway
  name: {{ include "triboka.gateway.name" .root }}
  sectionName: {{ .section }}
{{- else }}
{{- fail (printf "httpRoute: set the parentRefs of the %s listener, or gateway.enabled to create one" .section) }}
{{- end }}
{{- end }}
