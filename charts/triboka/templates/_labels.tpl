{{/* Labels of every object, and the selector labels (a subset) that pick a component's pods. */}}

{{/* Selector labels: name, instance and component only (immutable in Deployments/StatefulSets). */}}
{{- define "triboka.selectorLabels" -}}
app.kubernetes.io/name: {{ include "triboka.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "triboka.labels" -}}
{{ include "triboka.selectorLabels" . }}
helm.sh/chart: {{ include "triboka.chart" .root }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: triboka
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}
