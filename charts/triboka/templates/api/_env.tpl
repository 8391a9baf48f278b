{{/* The API's settings and secret env, shared by its Deployment, ConfigMap and migration hook. */}}

{{/* The API's TRIBOKA_REDIS_URL, never in clear in the pod spec. External: the URL from its Secret. In-chart: the
     kubelet assembles it from REDIS_PASSWORD (a secretKeyRef defined first, which `$(...)` may reference). */}}
{{- define "triboka.api.redisEnv" -}}
{{- $mode := include "triboka.redisMode" . -}}
{{- if eq $mode "in-chart" -}}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      {{- include "triboka.redisPasswordSecretRef" . | nindent 6 }}
- name: TRIBOKA_REDIS_URL
  value: {{ printf "redis://:$(REDIS_PASSWORD)@%s:%d/0" (include "triboka.componentName" (dict "root" . "component" "redis")) (int .Values.redis.service.port) | quote }}
{{- else if eq $mode "external" -}}
- name: TRIBOKA_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.external.existingSecret }}
      key: {{ .Values.redis.external.existingSecretUrlKey }}
{{- end }}
{{- end }}

{{/* The API's non-secret settings (a YAML map): its ConfigMap, and the migration hook's env (which runs
     before the ConfigMap exists on first install). */}}
{{- define "triboka.api.config" -}}
TRIBOKA_ENVIRONMENT: {{ .Values.environment | quote }}
TRIBOKA_JWT_LIFETIME_SECONDS: {{ .Values.api.jwtLifetimeSeconds | quote }}
TRIBOKA_DATABASE_HOST: {{ include "triboka.databaseHost" . | quote }}
TRIBOKA_DATABASE_PORT: {{ include "triboka.databasePort" . | quote }}
TRIBOKA_DATABASE_NAME: {{ include "triboka.databaseName" . | quote }}
TRIBOKA_DATABASE_USER: {{ include "triboka.databaseUser" . | quote }}
TRIBOKA_DB_POOL_SIZE: {{ .Values.api.dbPoolSize | quote }}
TRIBOKA_CORS_ORIGINS: {{ join "," .Values.api.corsOrigins | quote }}
TRIBOKA_LOG_LEVEL: {{ .Values.api.logLevel | quote }}
TRIBOKA_API_DOCS: {{ .Values.api.docs | quote }}
TRIBOKA_RATE_LIMIT_ENABLED: {{ .Values.api.rateLimit.enabled | quote }}
TRIBOKA_RATE_LIMIT_DEFAULT: {{ .Values.api.rateLimit.default | quote }}
TRIBOKA_RATE_LIMIT_AUTH_ACCOUNT: {{ .Values.api.rateLimit.authAccount | quote }}
TRIBOKA_RATE_LIMIT_AUTH_IP: {{ .Values.api.rateLimit.authIp | quote }}
TRIBOKA_TRUSTED_PROXIES: {{ join "," .Values.api.trustedProxies | quote }}
TRIBOKA_ERP_ALLOWED_NETWORKS: {{ join "," .Values.api.erpAllowedNetworks | quote }}
TRIBOKA_GRACEFUL_SHUTDOWN_SECONDS: {{ .Values.api.gracefulShutdownSeconds | quote }}
TRIBOKA_KEEP_ALIVE_SECONDS: {{ .Values.api.keepAliveSeconds | quote }}
TRIBOKA_ADMIN_EMAIL: {{ .Values.admin.email | quote }}
TRIBOKA_ADMIN_NAME: {{ .Values.admin.name | quote }}
PROMETHEUS_MULTIPROC_DIR: "/tmp/metrics"
{{- include "triboka.otelConfig" (dict "root" . "component" "api") | nindent 0 }}
{{ include "triboka.api.storageConfig" . }}
{{- end }}

{{/* The API's secret env entries (JWT secret, the key ring, database password). An existing Secret holds the key
     ring as `encryption-keys`, or as `did-key-encryption-key` (its name before Δ 197, which the API reads when the
     first is absent); with neither the API refuses to start in production. */}}
{{- define "triboka.api.secretEnv" -}}
- name: TRIBOKA_JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "triboka.appSecretName" . }}
      key: jwt-secret
- name: TRIBOKA_ENCRYPTION_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ include "triboka.appSecretName" . }}
      key: encryption-keys
      {{- if .Values.secrets.existingSecret }}
      optional: true
- name: TRIBOKA_DID_KEY_ENCRYPTION_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "triboka.appSecretName" . }}
      key: did-key-encryption-key
      optional: true
      {{- end }}
- name: TRIBOKA_ERP_CREDENTIALS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "triboka.appSecretName" . }}
      key: erp-credentials-key
      optional: true  # only migration 0012 reads it (ERP credentials stored before the key ring)
- name: TRIBOKA_DATABASE_PASSWORD
  valueFrom:
    secretKeyRef:
      {{- include "triboka.databaseSecretRef" . | nindent 6 }}
{{- end }}

{{/* What the migration hook's two containers (migrate, create-admin) share: image, env, resources, security. */}}
{{- define "triboka.migrations.container" -}}
image: {{ include "triboka.image" (dict "root" . "image" .Values.api.image) }}
imagePullPolicy: {{ .Values.api.image.pullPolicy }}
env:
  {{- range $name, $value := include "triboka.api.config" . | fromYaml }}
  - name: {{ $name }}
    value: {{ $value | quote }}
  {{- end }}
  {{- include "triboka.api.secretEnv" . | nindent 2 }}
  {{- include "triboka.adminPasswordEnv" . | nindent 2 }}
  {{- with .Values.api.extraEnv }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
resources:
  {{- toYaml .Values.api.migrations.resources | nindent 2 }}
securityContext:
  {{- toYaml .Values.api.securityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- end }}
