{{/* Whole resources still shared by api and web (being written out per component). */}}

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
            {{- with $v.extraVolumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $v.tmpSizeLimit }}
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
