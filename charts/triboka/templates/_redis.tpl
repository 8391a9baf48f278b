{{/* ---------------------------------------------------------------------------------------------------
Redis, the API's shared rate-limit store: in-chart (`redis.enabled`) or external (`redis.external`), or none.
--------------------------------------------------------------------------------------------------- */}}

{{/* "in-chart", "external" or "" (none); refuses both at once. */}}
{{- define "triboka.redisMode" -}}
{{- if and .Values.redis.enabled .Values.redis.external.existingSecret }}
{{- fail "redis.enabled and redis.external.existingSecret are exclusive: run Redis in the chart or point at an external one" }}
{{- else if .Values.redis.enabled }}in-chart
{{- else if .Values.redis.external.existingSecret }}external
{{- end }}
{{- end }}

{{/* The in-chart Redis password: "name" and "key" of its Secret (a dict, as YAML). */}}
{{- define "triboka.redisPasswordSecretRef" -}}
{{- if .Values.redis.auth.existingSecret -}}
name: {{ .Values.redis.auth.existingSecret }}
key: {{ .Values.redis.auth.existingSecretPasswordKey }}
{{- else -}}
name: {{ include "triboka.fullname" . }}
key: redis-password
{{- end }}
{{- end }}
