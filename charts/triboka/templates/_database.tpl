{{/* ---------------------------------------------------------------------------------------------------
Database connection, shared by the API, its migration hook and the backup job.
--------------------------------------------------------------------------------------------------- */}}

{{- define "triboka.databaseHost" -}}
{{- if .Values.postgresql.enabled }}{{ include "triboka.componentName" (dict "root" . "component" "postgresql") }}{{ else }}{{ required "externalDatabase.host is required when postgresql.enabled is false" .Values.externalDatabase.host }}{{ end }}
{{- end }}

{{- define "triboka.databasePort" -}}
{{- if .Values.postgresql.enabled }}{{ .Values.postgresql.service.port }}{{ else }}{{ .Values.externalDatabase.port }}{{ end }}
{{- end }}

{{- define "triboka.databaseName" -}}
{{- if .Values.postgresql.enabled }}{{ .Values.postgresql.auth.database }}{{ else }}{{ .Values.externalDatabase.name }}{{ end }}
{{- end }}

{{- define "triboka.databaseUser" -}}
{{- if .Values.postgresql.enabled }}{{ .Values.postgresql.auth.username }}{{ else }}{{ .Values.externalDatabase.user }}{{ end }}
{{- end }}
