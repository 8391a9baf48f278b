{{/* NetworkPolicy rule helpers (egress to DNS, to the database, to Redis; ingress from the ingress controller). */}}

{{- define "triboka.netpol.podPeer" -}}
- podSelector:
    matchLabels:
      {{- include "triboka.selectorLabels" . | nindent 6 }}
{{- end }}

{{- define "triboka.netpol.dnsEgress" -}}
- to:
    - namespaceSelector:
        {{- toYaml .Values.networkPolicy.dns.namespaceSelector | nindent 8 }}
      podSelector:
        {{- toYaml .Values.networkPolicy.dns.podSelector | nindent 8 }}
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end }}

{{- define "triboka.netpol.databaseEgress" -}}
{{- if .Values.postgresql.enabled }}
- to:
    {{- include "triboka.netpol.podPeer" (dict "root" . "component" "postgresql") | nindent 4 }}
  ports:
    - port: 5432
      protocol: TCP
{{- else }}
- ports:
    - port: {{ .Values.externalDatabase.port }}
      protocol: TCP
  {{- with .Values.networkPolicy.externalDatabase }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}

{{/* Egress of the api to its rate-limit store: the in-chart Redis pods, or the external Redis' port (to
     `networkPolicy.externalRedis`, else any address); nothing without Redis. */}}
{{- define "triboka.netpol.redisEgress" -}}
{{- $mode := include "triboka.redisMode" . -}}
{{- if eq $mode "in-chart" }}
- to:
    {{- include "triboka.netpol.podPeer" (dict "root" . "component" "redis") | nindent 4 }}
  ports:
    - port: 6379
      protocol: TCP
{{- else if eq $mode "external" }}
- ports:
    - port: {{ .Values.redis.external.port }}
      protocol: TCP
  {{- with .Values.networkPolicy.externalRedis }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}

{{/* Ingress to a component's http port from the ingress/Gateway proxy (when selected) and the `helm test` pod, and to its metrics
     port from Prometheus; context: (dict "root" $ "component" "web") */}}
{{- define "triboka.netpol.httpIngress" -}}
{{- $np := .root.Values.networkPolicy -}}
{{- $v := index .root.Values .component -}}
- from:
    {{- /* no controller-specific default: both selectors empty allow no ingress/Gateway proxy at all */}}
    {{- if or $np.ingressController.namespaceSelector $np.ingressController.podSelector }}
    - namespaceSelector:
        {{- toYaml $np.ingressController.namespaceSelector | nindent 8 }}
      podSelector:
        {{- toYaml $np.ingressController.podSelector | nindent 8 }}
    {{- end }}
    {{- include "triboka.netpol.podPeer" (dict "root" .root "component" "test") | nindent 4 }}
  ports:
    - port: {{ $v.service.port }}
      protocol: TCP
{{- with $np.metricsNamespaceSelector }}
- from:
    - namespaceSelector:
        {{- toYaml . | nindent 8 }}
  ports:
    - port: {{ $v.service.metricsPort }}
      protocol: TCP
{{- end }}
{{- end }}
