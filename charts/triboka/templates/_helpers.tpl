{{/*
Shared helpers. Component templates live in one folder each (api/, web/, backup/, postgresql/, redis/, ingress/,
networkpolicy/, tests/); what two components render alike (Deployment, Service, HPA, PDB, ServiceAccount,
probes, images) is defined once here and called with a context dict:
  (dict "root" $ "component" "api")
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

{{/* "registry/repository:tag"; context: (dict "root" $ "image" .Values.api.image) */}}
{{- define "triboka.image" -}}
{{- $registry := .image.registry | default .root.Values.global.imageRegistry -}}
{{- $tag := .image.tag | default .root.Chart.AppVersion | toString -}}
{{- if $registry }}{{ printf "%s/%s:%s" $registry .image.repository $tag }}{{ else }}{{ printf "%s:%s" .image.repository $tag }}{{ end }}
{{- end }}

{{- define "triboka.imagePullSecrets" -}}
{{- with .Values.global.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* ServiceAccount name of a component; context: (dict "root" $ "component" "api") */}}
{{- define "triboka.serviceAccountName" -}}
{{- $sa := (index .root.Values .component).serviceAccount -}}
{{- if $sa.create }}{{ $sa.name | default (include "triboka.componentName" .) }}{{ else }}{{ $sa.name | default "default" }}{{ end }}
{{- end }}

{{/* ---------------------------------------------------------------------------------------------------
Secrets. One chart Secret (<fullname>) holds whatever is not taken from an existing Secret. Generated values
are created once: `lookup` reads them back from the live Secret on every upgrade.
--------------------------------------------------------------------------------------------------- */}}

{{/* Name of the Secret with jwt-secret, web-secret-key and admin-password. */}}
{{- define "triboka.appSecretName" -}}
{{- .Values.secrets.existingSecret | default (include "triboka.fullname" .) }}
{{- end }}

{{/* The database password: "name" and "key" of its Secret (a dict, as YAML). */}}
{{- define "triboka.databaseSecretRef" -}}
{{- if and (not .Values.postgresql.enabled) .Values.externalDatabase.existingSecret -}}
name: {{ .Values.externalDatabase.existingSecret }}
key: {{ .Values.externalDatabase.existingSecretPasswordKey }}
{{- else -}}
name: {{ include "triboka.fullname" . }}
key: db-password
{{- end }}
{{- end }}

{{/* A value of the chart Secret, base64-encoded: the explicit value, else the live one, else a new random one.
     context: (dict "root" $ "key" "jwt-secret" "value" .Values.secrets.jwtSecret "length" 48) */}}
{{- define "triboka.secretValue" -}}
{{- if .value -}}
{{- .value | toString | b64enc -}}
{{- else -}}
{{- $live := lookup "v1" "Secret" .root.Release.Namespace (include "triboka.fullname" .root) -}}
{{- $data := dig "data" (dict) ($live | default (dict)) -}}
{{- if hasKey $data .key -}}
{{- index $data .key -}}
{{- else -}}
{{- randAlphaNum (int .length) | b64enc -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/* Checksum of what decides the Secrets' content. Generated values never change once created (`lookup`), so
     hashing the inputs rolls the pods exactly when a secret value or a referenced Secret changes, and is the
     same on every render (a hash of freshly generated random values would not be). */}}
{{- define "triboka.secretChecksum" -}}
{{- list .Values.secrets .Values.externalDatabase.existingSecret .Values.externalDatabase.existingSecretPasswordKey .Values.externalDatabase.password .Values.postgresql.enabled .Values.postgresql.auth.password .Values.redis.enabled .Values.redis.auth .Values.redis.external | toYaml | sha256sum }}
{{- end }}

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
TRIBOKA_RATE_LIMIT_ENABLED: {{ .Values.api.rateLimit.enabled | quote }}
TRIBOKA_RATE_LIMIT_DEFAULT: {{ .Values.api.rateLimit.default | quote }}
TRIBOKA_RATE_LIMIT_AUTH_ACCOUNT: {{ .Values.api.rateLimit.authAccount | quote }}
TRIBOKA_RATE_LIMIT_AUTH_IP: {{ .Values.api.rateLimit.authIp | quote }}
TRIBOKA_TRUSTED_PROXIES: {{ join "," .Values.api.trustedProxies | quote }}
TRIBOKA_GRACEFUL_SHUTDOWN_SECONDS: {{ .Values.api.gracefulShutdownSeconds | quote }}
TRIBOKA_ADMIN_EMAIL: {{ .Values.admin.email | quote }}
TRIBOKA_ADMIN_NAME: {{ .Values.admin.name | quote }}
PROMETHEUS_MULTIPROC_DIR: "/tmp/metrics"
{{ include "triboka.api.storageConfig" . }}
{{- end }}

{{/* The API's secret env entries (JWT secret, database password). */}}
{{- define "triboka.api.secretEnv" -}}
- name: TRIBOKA_JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "triboka.appSecretName" . }}
      key: jwt-secret
- name: TRIBOKA_DATABASE_PASSWORD
  valueFrom:
    secretKeyRef:
      {{- include "triboka.databaseSecretRef" . | nindent 6 }}
{{- end }}

{{- define "triboka.adminPasswordEnv" -}}
- name: TRIBOKA_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "triboka.appSecretName" . }}
      key: admin-password
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

{{/* The Secrets an encrypted backup saves, comma-separated: the release's own (app secrets and the database
     password's), never the encryption key's or the S3 credentials'; empty when backups are not encrypted. The
     backup Role may `get` exactly these (resourceNames) and the job reads them by name. */}}
{{- define "triboka.backup.secretNames" -}}
{{- if .Values.backup.encryption.existingSecret -}}
{{- $database := include "triboka.databaseSecretRef" . | fromYaml -}}
{{- list (include "triboka.appSecretName" .) $database.name | uniq | join "," -}}
{{- end -}}
{{- end }}

{{/* The backup job's env (CronJob and pre-upgrade hook). */}}
{{- define "triboka.backup.env" -}}
{{- $b := .Values.backup -}}
- name: TRIBOKA_BACKUP_DATABASE_HOST
  value: {{ include "triboka.databaseHost" . | quote }}
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

{{/* ---------------------------------------------------------------------------------------------------
Workload helpers shared by api and web; context: (dict "root" $ "component" "api")
--------------------------------------------------------------------------------------------------- */}}

{{/* An httpGet probe; context: (dict "path" "/api/health" "port" "http" "probe" .Values.api.startupProbe) */}}
{{- define "triboka.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: {{ .port }}
{{ toYaml .probe }}
{{- end }}

{{/* Replicas that run at least: HPA minReplicas, else replicaCount. */}}
{{- define "triboka.minReplicas" -}}
{{- $v := index .root.Values .component -}}
{{- if $v.autoscaling.enabled }}{{ $v.autoscaling.minReplicas }}{{ else }}{{ $v.replicaCount }}{{ end }}
{{- end }}

{{/* Deployment; context adds "args" (container args), "env" (rendered env list), "probes" (dict of paths). */}}
{{- define "triboka.deployment" -}}
{{- $root := .root -}}
{{- $v := index $root.Values .component -}}
{{- if le (int $v.terminationGracePeriodSeconds) (add $v.preStopSleepSeconds $v.gracefulShutdownSeconds | int) }}
{{- fail (printf "%s.terminationGracePeriodSeconds must exceed preStopSleepSeconds + gracefulShutdownSeconds" .component) }}
{{- end }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "triboka.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "triboka.labels" . | nindent 4 }}
spec:
  {{- if not $v.autoscaling.enabled }}
  replicas: {{ $v.replicaCount }}
  {{- end }}
  revisionHistoryLimit: {{ $v.revisionHistoryLimit }}
  selector:
    matchLabels:
      {{- include "triboka.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: {{ $v.maxSurge }}
  template:
    metadata:
      annotations:
        checksum/config: {{ include (print $root.Template.BasePath "/" .component "/configmap.yaml") $root | sha256sum }}
        checksum/secret: {{ include "triboka.secretChecksum" $root }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      labels:
        {{- include "triboka.labels" . | nindent 8 }}
        {{- with $v.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "triboka.serviceAccountName" . }}
      automountServiceAccountToken: {{ $v.serviceAccount.automount }}
      {{- include "triboka.imagePullSecrets" $root | nindent 6 }}
      {{- with $v.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      securityContext:
        {{- toYaml $v.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
      {{- with .initArgs }}
      initContainers:
        - name: wait-for-schema
          image: {{ include "triboka.image" (dict "root" $root "image" $v.image) }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          args:
            {{- toYaml . | nindent 12 }}
          envFrom:
            - configMapRef:
                name: {{ include "triboka.componentName" $ }}
            {{- with $v.extraEnvFrom }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          env:
            {{- $.env | nindent 12 }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- toYaml $v.securityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "triboka.image" (dict "root" $root "image" $v.image) }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          args:
            {{- toYaml .args | nindent 12 }}
          ports:
            - name: http
              containerPort: {{ $v.service.port }}
              protocol: TCP
            - name: metrics
              containerPort: {{ $v.service.metricsPort }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "triboka.componentName" . }}
            {{- with $v.extraEnvFrom }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          env:
            {{- .env | nindent 12 }}
            {{- with $v.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          startupProbe:
            {{- include "triboka.httpProbe" (dict "path" .probes.startup "port" "http" "probe" $v.startupProbe) | nindent 12 }}
          livenessProbe:
            {{- include "triboka.httpProbe" (dict "path" .probes.liveness "port" "http" "probe" $v.livenessProbe) | nindent 12 }}
          readinessProbe:
            {{- include "triboka.httpProbe" (dict "path" .probes.readiness "port" "http" "probe" $v.readinessProbe) | nindent 12 }}
          lifecycle:
            preStop:
              exec:
                command: ["sleep", "{{ $v.preStopSleepSeconds }}"]
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- toYaml $v.securityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- with .volumeMounts }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with $v.extraVolumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $v.tmpSizeLimit }}
        {{- with .volumes }}
        {{- . | nindent 8 }}
        {{- end }}
        {{- with $v.extraVolumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- range . }}
        - {{- toYaml (merge (dict) . (dict "labelSelector" (dict "matchLabels" (include "triboka.selectorLabels" $ | fromYaml)))) | nindent 10 }}
        {{- end }}
      {{- end }}
{{- end }}

{{- define "triboka.service" -}}
{{- $v := index .root.Values .component -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "triboka.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "triboka.labels" . | nindent 4 }}
  {{- with $v.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $v.service.type }}
  selector:
    {{- include "triboka.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ $v.service.port }}
      targetPort: http
      protocol: TCP
    - name: metrics
      port: {{ $v.service.metricsPort }}
      targetPort: metrics
      protocol: TCP
{{- end }}

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

{{/* A pod spec's nodeSelector, tolerations and affinity, when set; context: the component's values */}}
{{- define "triboka.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- define "triboka.hpa" -}}
{{- $a := (index .root.Values .component).autoscaling -}}
{{- if $a.enabled }}
{{- if not (or $a.targetCPUUtilizationPercentage $a.targetMemoryUtilizationPercentage) }}
{{- fail (printf "%s.autoscaling needs a CPU or a memory target" .component) }}
{{- end }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "triboka.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "triboka.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "triboka.componentName" . }}
  minReplicas: {{ $a.minReplicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    {{- range $resource, $target := dict "cpu" $a.targetCPUUtilizationPercentage "memory" $a.targetMemoryUtilizationPercentage }}
    {{- if $target }}
    - type: Resource
      resource:
        name: {{ $resource }}
        target:
          type: Utilization
          averageUtilization: {{ $target }}
    {{- end }}
    {{- end }}
  {{- with $a.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}

{{- define "triboka.pdb" -}}
{{- $p := (index .root.Values .component).pdb -}}
{{- if and $p.enabled (gt (include "triboka.minReplicas" . | int) 1) }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "triboka.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "triboka.labels" . | nindent 4 }}
spec:
  {{- if not (kindIs "invalid" $p.minAvailable) }}
  minAvailable: {{ $p.minAvailable }}
  {{- else }}
  maxUnavailable: {{ $p.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "triboka.selectorLabels" . | nindent 6 }}
{{- end }}
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

{{/* Prometheus Operator ServiceMonitor of a component's Service: its `metrics` port (see "triboka.service"). Opt-in
     by `metrics.serviceMonitor.enabled` alone, not by `.Capabilities`: `helm template` and Argo CD render without a
     cluster, and a monitoring stack installed after this release would otherwise silently get nothing. */}}
{{- define "triboka.serviceMonitor" -}}
{{- $m := .root.Values.metrics.serviceMonitor -}}
{{- if $m.enabled }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "triboka.componentName" . }}
  namespace: {{ $m.namespace | default .root.Release.Namespace }}
  labels:
    {{- include "triboka.labels" . | nindent 4 }}
    {{- with $m.additionalLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  namespaceSelector:
    matchNames:
      - {{ .root.Release.Namespace }}
  selector:
    matchLabels:
      {{- include "triboka.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: metrics
      path: /metrics
      scheme: http
      {{- with $m.interval }}
      interval: {{ . | quote }}
      {{- end }}
      {{- with $m.scrapeTimeout }}
      scrapeTimeout: {{ . | quote }}
      {{- end }}
      {{- with $m.relabelings }}
      relabelings:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $m.metricRelabelings }}
      metricRelabelings:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
{{- end }}
