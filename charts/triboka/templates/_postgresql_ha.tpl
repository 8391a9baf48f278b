{{/* ---------------------------------------------------------------------------------------------------
Replicated PostgreSQL (postgresql.ha, templates in postgresql-ha/): PostgreSQL + Patroni members, Kubernetes as
Patroni's store. Every helper takes the root context.
--------------------------------------------------------------------------------------------------- */}}

{{/* "true" when the in-chart database runs replicated (empty otherwise, so usable in `if`). */}}
{{- define "triboka.postgresqlHA.enabled" -}}
{{- if and .Values.postgresql.enabled .Values.postgresql.ha.enabled }}true{{ end }}
{{- end }}

{{/* Patroni's scope (the cluster's name in its store): also the primary Service's name, so the database host of
     the API, the migrations and the backup is the same as with the single instance. */}}
{{- define "triboka.postgresqlHA.scope" -}}
{{- include "triboka.componentName" (dict "root" . "component" "postgresql") }}
{{- end }}

{{/* The labels Patroni selects its members and its ConfigMaps by (plus `cluster-name: <scope>`). Without
     app.kubernetes.io/instance, so the backup's snapshot of the release's ConfigMaps leaves Patroni's live
     leader lock out; the scope already names the release. */}}
{{- define "triboka.postgresqlHA.patroniLabels" -}}
app.kubernetes.io/name: {{ include "triboka.name" . }}
app.kubernetes.io/component: postgresql
{{- end }}

{{/* The pods of one role ("primary" or "replica"), as Patroni labels them. */}}
{{- define "triboka.postgresqlHA.roleSelector" -}}
{{- include "triboka.selectorLabels" (dict "root" .root "component" "postgresql") }}
role: {{ .role }}
{{- end }}

{{/* The read-only Service on the replicas. */}}
{{- define "triboka.postgresqlHA.replicasName" -}}
{{- printf "%s-replicas" (include "triboka.postgresqlHA.scope" .) }}
{{- end }}

{{/* patroni.yml (see postgresql-ha/configmap.yaml). Replication needs wal_level replica (the default) and
     hot_standby; wal_log_hints lets a former leader rejoin with pg_rewind; hot_standby_feedback keeps a dump
     running on a replica (the backup) from being cancelled by the leader's vacuum. */}}
{{- define "triboka.postgresqlHA.patroniConfig" -}}
{{- $ha := .Values.postgresql.ha -}}
{{- $parameters := merge (dict) .Values.postgresql.config (dict "hot_standby" "on" "wal_log_hints" "on" "hot_standby_feedback" "on" "max_wal_senders" 10 "max_replication_slots" 10 "password_encryption" "scram-sha-256") -}}
restapi:
  listen: 0.0.0.0:{{ $ha.restApiPort }}
kubernetes:
  use_endpoints: false
  scope_label: cluster-name
  role_label: role
  leader_label_value: primary
  follower_label_value: replica
  labels:
    {{- include "triboka.postgresqlHA.patroniLabels" . | nindent 4 }}
bootstrap:
  dcs:
    ttl: {{ $ha.ttl }}
    loop_wait: {{ $ha.loopWait }}
    retry_timeout: {{ $ha.retryTimeout }}
    maximum_lag_on_failover: {{ $ha.maximumLagOnFailover | int64 }}
    synchronous_mode: {{ $ha.synchronousMode }}
    synchronous_mode_strict: {{ $ha.synchronousModeStrict }}
    postgresql:
      use_pg_rewind: true
      use_slots: true
  initdb:
    - auth-local: scram-sha-256
    - auth-host: scram-sha-256
    - encoding: UTF8
    - locale: C.UTF-8
  post_bootstrap: /usr/local/bin/patroni-post-bootstrap
postgresql:
  listen: 0.0.0.0:5432
  # a new replica copies the leader at once, not after a spread checkpoint (up to minutes)
  basebackup:
    - checkpoint: fast
  pg_hba:
    - local all all scram-sha-256
    - host replication {{ $ha.replicationUsername }} all scram-sha-256
    - host all all all scram-sha-256
  parameters:
    {{- range $key, $value := $parameters }}
    {{ $key }}: {{ $value | toString | quote }}
    {{- end }}
{{- end }}
