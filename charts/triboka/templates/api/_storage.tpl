{{/* Deal room files (issue 13): the API's file store settings, the S3 keys from an existing Secret, and the
     volume of the filesystem store (a PVC, or an emptyDir when persistence is off). */}}

{{- define "triboka.api.filesPath" -}}/var/lib/triboka/files{{- end }}

{{- define "triboka.api.storageConfig" -}}
TRIBOKA_FILE_STORE: {{ .Values.storage.type | quote }}
TRIBOKA_MAX_UPLOAD_BYTES: {{ .Values.storage.maxUploadBytes | int | quote }}
{{- if eq .Values.storage.type "s3" }}
TRIBOKA_S3_ENDPOINT_URL: {{ required "storage.s3.endpoint is required with storage.type s3" .Values.storage.s3.endpoint | quote }}
TRIBOKA_S3_BUCKET: {{ required "storage.s3.bucket is required with storage.type s3" .Values.storage.s3.bucket | quote }}
TRIBOKA_S3_REGION: {{ .Values.storage.s3.region | quote }}
{{- else }}
TRIBOKA_FILE_STORE_PATH: {{ include "triboka.api.filesPath" . | quote }}
{{- end }}
{{- end }}

{{- define "triboka.api.storageEnv" -}}
{{- include "triboka.storage.s3KeysEnv" (dict "root" . "prefix" "TRIBOKA_S3_") }}
{{- end }}

{{/* The file store bucket's keys as env vars named <prefix>ACCESS_KEY_ID/SECRET_ACCESS_KEY (the API's, and the
     backup job's versioning check); context: dict root, prefix */}}
{{- define "triboka.storage.s3KeysEnv" -}}
{{- $s3 := .root.Values.storage.s3 -}}
{{- if and (eq .root.Values.storage.type "s3") $s3.existingSecret -}}
- name: {{ .prefix }}ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ $s3.existingSecret }}
      key: {{ $s3.accessKeyIdKey }}
- name: {{ .prefix }}SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $s3.existingSecret }}
      key: {{ $s3.secretAccessKeyKey }}
{{- end }}
{{- end }}

{{- define "triboka.api.filesClaimName" -}}
{{- .Values.storage.persistence.existingClaim | default (printf "%s-files" (include "triboka.componentName" (dict "root" . "component" "api"))) -}}
{{- end }}

{{- define "triboka.api.storageVolumes" -}}
{{- if eq .Values.storage.type "filesystem" -}}
- name: files
{{- if .Values.storage.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ include "triboka.api.filesClaimName" . }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- end }}
{{- end }}

{{- define "triboka.api.storageVolumeMounts" -}}
{{- if eq .Values.storage.type "filesystem" -}}
- name: files
  mountPath: {{ include "triboka.api.filesPath" . }}
{{- end }}
{{- end }}
