{{/* Whole resources still shared by api and web (being written out per component). */}}

{{/* The ClusterIP Service of an in-chart store (PostgreSQL, Redis): one port, named like the component and its
     container port; context: (dict "root" $ "component" "redis" "port" 6379) */}}
{{- define "triboka.storeService" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "triboka.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "triboka.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "triboka.selectorLabels" . | nindent 4 }}
  ports:
    - name: {{ .component }}
      port: {{ .port }}
      targetPort: {{ .component }}
      protocol: TCP
{{- end }}

{{- define "triboka.serviceAccount" -}}
{{- $sa := (index .root.Values .component).serviceAccount -}}
{{- if $sa.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "triboka.serviceAccountName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "triboka.labels" . | nindent 4 }}
  {{- with $sa.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: {{ dig "automount" true $sa }}
{{- end }}
{{- end }}
