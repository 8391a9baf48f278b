{{/* The backup job's env and pod spec, shared by the CronJob and the pre-upgrade hook. */}}

{{/* The Secrets an encrypted backup saves, comma-separated: the release's own (app secrets and the database
     password's), never the encryption key's or the S3 credentials'; empty when backups are not encrypted. The
     backup Role may `get` exactly these (resourceNames) and the job reads them by name. */}}
{{- define "triboka.backup.secretNames" -}}
{{- if .Values.backup.encryption.existingSecret -}}
{{- $database := include "triboka.databaseSecretRef" . | fromYaml -}}
{{- list (include "triboka.appSecretName" .) $database.name | uniq | join "," -}}
{{- end -}}
{{- end }}

{{/* The API's directory file store is archived from its PVC, mounted read-only (an emptyDir is the API pod's own). */}}
{{- define "triboka.backup.filesVolume" -}}
{{- if and .Values.backup.includeFiles (eq .Values.storage.type "filesystem") .Values.storage.persistence.enabled -}}true{{- end -}}
{{- end }}

{{/* The backup job's env (CronJob and pre-upgrade hook). */}}
{{- define "triboka.backup.env" -}}
{{- $b := .Values.backup -}}
- name: TRIBOKA_BACKUP_DATABASE_HOST
  value: {{ include "triboka.databaseHost" . | quote }}
{{- if include "triboka.postgresqlHA.enabled" . }}
- name: TRIBOKA_BACKUP_DATABASE_REPLICA_HOST
  value: {{ include "triboka.postgresqlHA.replicasName" . | quote }}
{{- end }}
- name: TRIBOKA_BACKUP_DATABASE_PORT
  value: {{ include "triboka.databasePort" . | quote }}
- name: TRIBOKA_BACKUP_DATABASE_NAME
  value: {{ include "triboka.databaseName" . | quote }}
- name: TRIBOKA_BACKUP_DATABASE_USER
  value: {{ include "triboka.databaseUser" . | quote }}
- name: TRIBOKA_BACKUP_DATABASE_PASSWORD
  valueFrom:
    secretKeyRef:
      {{- include "triboka.databaseSecretRef" . | nindent 6 }}
- name: TRIBOKA_BACKUP_TARGET_DIR
  value: /backups
- name: TRIBOKA_BACKUP_KEEP_HOURLY
  value: {{ $b.retention.hourly | quote }}
- name: TRIBOKA_BACKUP_KEEP_DAILY
  value: {{ $b.retention.daily | quote }}
- name: TRIBOKA_BACKUP_KEEP_WEEKLY
  value: {{ $b.retention.weekly | quote }}
- name: TRIBOKA_BACKUP_KEEP_MONTHLY
  value: {{ $b.retention.monthly | quote }}
- name: TRIBOKA_BACKUP_KUBE_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: TRIBOKA_BACKUP_RELEASE
  value: {{ .Release.Name | quote }}
- name: TRIBOKA_BACKUP_APP_VERSION
  value: {{ .Chart.AppVersion | quote }}
{{- with $b.metricsFile }}
- name: TRIBOKA_BACKUP_METRICS_FILE
  value: {{ . | quote }}
{{- end }}
{{- if $b.s3.enabled }}
{{- with $b.s3.endpointUrl }}
- name: TRIBOKA_BACKUP_S3_ENDPOINT_URL
  value: {{ . | quote }}
{{- end }}
- name: TRIBOKA_BACKUP_S3_BUCKET
  value: {{ required "backup.s3.bucket is required when backup.s3.enabled is true" $b.s3.bucket | quote }}
- name: TRIBOKA_BACKUP_S3_PREFIX
  value: {{ $b.s3.prefix | quote }}
- name: TRIBOKA_BACKUP_S3_REGION
  value: {{ $b.s3.region | quote }}
{{- with $b.s3.existingSecret }}
- name: TRIBOKA_BACKUP_S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $b.s3.accessKeyIdKey }}
- name: TRIBOKA_BACKUP_S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $b.s3.secretAccessKeyKey }}
{{- end }}
{{- end }}
{{- if include "triboka.backup.filesVolume" . }}
- name: TRIBOKA_BACKUP_FILES_DIR
  value: {{ include "triboka.api.filesPath" . | quote }}
{{- else if and $b.includeFiles (eq .Values.storage.type "s3") }}
- name: TRIBOKA_BACKUP_FILES_S3_ENDPOINT_URL
  value: {{ .Values.storage.s3.endpoint | quote }}
- name: TRIBOKA_BACKUP_FILES_S3_BUCKET
  value: {{ .Values.storage.s3.bucket | quote }}
- name: TRIBOKA_BACKUP_FILES_S3_REGION
  value: {{ .Values.storage.s3.region | quote }}
{{- with include "triboka.storage.s3KeysEnv" (dict "root" . "prefix" "TRIBOKA_BACKUP_FILES_S3_") }}
{{ . }}
{{- end }}
{{- end }}
{{- with include "triboka.backup.secretNames" . }}
- name: TRIBOKA_BACKUP_SECRET_NAMES
  value: {{ . | quote }}
{{- end }}
{{- with $b.encryption.existingSecret }}
- name: TRIBOKA_BACKUP_ENCRYPTION_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $b.encryption.key }}
{{- end }}
{{- with $b.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The backup pod spec (CronJob and pre-upgrade hook); context: $ */}}
{{- define "triboka.backup.podSpec" -}}
{{- $b := .Values.backup -}}
{{- $ctx := dict "root" . "component" "backup" -}}
serviceAccountName: {{ include "triboka.serviceAccountName" $ctx }}
automountServiceAccountToken: true
restartPolicy: Never
{{- include "triboka.imagePullSecrets" . }}
securityContext:
  {{- toYaml $b.podSecurityContext | nindent 2 }}
containers:
  - name: backup
    image: {{ include "triboka.image" (dict "root" . "image" $b.image) }}
    imagePullPolicy: {{ $b.image.pullPolicy }}
    args: ["run", "--prune"]
    env:
      {{- include "triboka.backup.env" . | nindent 6 }}
    resources:
      {{- toYaml $b.resources | nindent 6 }}
    securityContext:
      {{- toYaml $b.securityContext | nindent 6 }}
    volumeMounts:
      - name: backups
        mountPath: /backups
      - name: tmp
        mountPath: /tmp
      {{- if include "triboka.backup.filesVolume" . }}
      - name: files
        mountPath: {{ include "triboka.api.filesPath" . }}
        readOnly: true
      {{- end }}
volumes:
  - name: backups
    {{- if $b.persistence.enabled }}
    persistentVolumeClaim:
      claimName: {{ $b.persistence.existingClaim | default (include "triboka.componentName" $ctx) }}
    {{- else }}
    emptyDir: {}
    {{- end }}
  - name: tmp
    emptyDir:
      sizeLimit: {{ $b.tmpSizeLimit }}
  {{- if include "triboka.backup.filesVolume" . }}
  - name: files
    persistentVolumeClaim:
      claimName: {{ include "triboka.api.filesClaimName" . }}
      readOnly: true
  {{- end }}
{{- with $b.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $b.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $b.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
