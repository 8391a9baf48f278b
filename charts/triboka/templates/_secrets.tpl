{{/* ---------------------------------------------------------------------------------------------------
Secrets. One chart Secret (<fullname>) holds whatever is not taken from an existing Secret. Generated values
are created once: `lookup` reads them back from the live Secret on every upgrade.
--------------------------------------------------------------------------------------------------- */}}

{{/* Name of the Secret with jwt-secret, web-secret-key, admin-password and encryption-keys. */}}
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

{{/* A value of the chart Secret, base64-encoded: the explicit value, else the live one, else a new random one
     (`length` random letters and digits, or `generated` where the value has a format of its own).
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
{{- .generated | default (randAlphaNum (int .length)) | b64enc -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/* Checksum of what decides the Secrets' content. Generated values never change once created (`lookup`), so
     hashing the inputs rolls the pods exactly when a secret value or a referenced Secret changes, and is the
     same on every render (a hash of freshly generated random values would not be). */}}
{{- define "triboka.secretChecksum" -}}
{{- list .Values.secrets .Values.externalDatabase.existingSecret .Values.externalDatabase.existingSecretPasswordKey .Values.externalDatabase.password .Values.postgresql.enabled .Values.postgresql.auth.password .Values.redis.enabled .Values.redis.auth .Values.redis.external | toYaml | sha256sum }}
{{- end }}

{{- define "triboka.adminPasswordEnv" -}}
- name: TRIBOKA_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "triboka.appSecretName" . }}
      key: admin-password
{{- end }}

{{/* A new key ring as TRIBOKA_ENCRYPTION_KEYS reads it: `k1:` + 32 random bytes, base64url. */}}
{{- define "triboka.newEncryptionKey" -}}
k1:{{ randBytes 32 | replace "+" "-" | replace "/" "_" | trimSuffix "=" }}
{{- end }}
