{{/*
Names: the chart, the release ("fullname"), a component's objects and its ServiceAccount.
Helpers split by concern (_names, _labels, _images, _secrets, _database, _redis, _pod; a component's own snippets
in its folder, e.g. api/_env.tpl); a helper about one component takes a context dict: (dict "root" $ "component" "api").
*/}}

{{- define "triboka.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "triboka.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "triboka.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* "<fullname>-<component>"; context: (dict "root" $ "component" "api") */}}
{{- define "triboka.componentName" -}}
{{- printf "%s-%s" (include "triboka.fullname" .root | trunc 52 | trimSuffix "-") .component }}
{{- end }}

{{/* ServiceAccount name of a component; context: (dict "root" $ "component" "api") */}}
{{- define "triboka.serviceAccountName" -}}
{{- $sa := (index .root.Values .component).serviceAccount -}}
{{- if $sa.create }}{{ $sa.name | default (include "triboka.componentName" .) }}{{ else }}{{ $sa.name | default "default" }}{{ end }}
{{- end }}
