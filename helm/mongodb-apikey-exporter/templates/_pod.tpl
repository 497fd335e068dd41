{{/*
The pod template shared by the Deployment (sharding.replicas 1) and the StatefulSet (sharding.replicas > 1),
at the indentation of spec.template. It starts with a newline: use it as `template:{{ include … . }}`.
With sharding, the exporter gets --shard.count and takes its shard index from the ordinal of its pod
hostname (<statefulset>-I).
*/}}
{{- define "mongodb-apikey-exporter.podTemplate" }}
{{- $fullname := include "mongodb-apikey-exporter.fullname" . }}
{{- $web := .Values.webConfig }}
{{- $tls := and $web.enabled $web.tls.enabled }}
{{- $basicAuth := and $web.enabled (not (empty $web.basicAuthUsers)) }}
{{- $inPlace := eq .Values.configReload.strategy "inPlace" }}
    metadata:
      annotations:
        {{- /* inPlace: the kubelet updates the mounted files; the exporter re-reads the secret files itself and the config on SIGHUP or POST /-/reload. */}}
        {{- if not $inPlace }}
        checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
        {{- if .Values.secret.existingSecret }}
        checksum/secret: {{ printf "existing:%s" .Values.secret.existingSecret | sha256sum }}
        {{- else }}
        checksum/secret: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}
        {{- end }}
        {{- end }}
        {{- if $web.enabled }}
        checksum/web-config: {{ include (print $.Template.BasePath "/web-config-secret.yaml") . | sha256sum }}
        {{- end }}
        {{- with .Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      labels:
        {{- include "mongodb-apikey-exporter.labels" . | nindent 8 }}
        {{- with .Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "mongodb-apikey-exporter.serviceAccountName" . }}
      automountServiceAccountToken: {{ .Values.automountServiceAccountToken }}
      enableServiceLinks: false
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      securityContext:
        {{- toYaml .Values.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
      containers:
        - name: exporter
          image: {{ include "mongodb-apikey-exporter.image" . | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          args:
            {{- if $inPlace }}
            - --config.file=/etc/mongodb-apikey-exporter/config/config.yaml
            {{- else }}
            - --config.file=/etc/mongodb-apikey-exporter/config.yaml
            {{- end }}
            {{- if .Values.configReload.lifecycle }}
            - --web.enable-lifecycle
            {{- end }}
            - --web.listen-address=:9947
            - --log.level={{ .Values.log.level }}
            - --log.format={{ .Values.log.format }}
            {{- if gt (int .Values.sharding.replicas) 1 }}
            - --shard.count={{ int .Values.sharding.replicas }}
            - --shard.index-from-hostname
            {{- end }}
            {{- if $web.enabled }}
            - --web.config.file=/etc/mongodb-apikey-exporter/web/web-config.yml
            {{- end }}
            {{- range .Values.extraArgs }}
            - {{ . | quote }}
            {{- end }}
          ports:
            - name: http
              containerPort: 9947
              protocol: TCP
          {{- with .Values.extraEnv }}
          env:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with .Values.extraEnvFrom }}
          envFrom:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          livenessProbe:
            {{- if $basicAuth }}
            tcpSocket:
              port: http
            {{- else }}
            httpGet:
              path: /healthz
              port: http
              scheme: {{ include "mongodb-apikey-exporter.scheme" . }}
            {{- end }}
            {{- toYaml .Values.livenessProbe | nindent 12 }}
          readinessProbe:
            {{- if $basicAuth }}
            tcpSocket:
              port: http
            {{- else }}
            httpGet:
              path: /readyz
              port: http
              scheme: {{ include "mongodb-apikey-exporter.scheme" . }}
            {{- end }}
            {{- toYaml .Values.readinessProbe | nindent 12 }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          securityContext:
            {{- toYaml .Values.securityContext | nindent 12 }}
          volumeMounts:
            {{- /* A subPath mount never sees an update of the ConfigMap: in place, the folder is mounted. */}}
            - name: config
              {{- if $inPlace }}
              mountPath: /etc/mongodb-apikey-exporter/config
              {{- else }}
              mountPath: /etc/mongodb-apikey-exporter/config.yaml
              subPath: config.yaml
              {{- end }}
              readOnly: true
            - name: api-keys
              mountPath: {{ include "mongodb-apikey-exporter.secretsDir" . }}
              readOnly: true
            {{- if $web.enabled }}
            - name: web-config
              mountPath: /etc/mongodb-apikey-exporter/web
              readOnly: true
            {{- end }}
            {{- if $tls }}
            - name: tls
              mountPath: /etc/mongodb-apikey-exporter/tls
              readOnly: true
            {{- end }}
            {{- with .Values.extraVolumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        - name: config
          configMap:
            name: {{ $fullname }}
        - name: api-keys
          secret:
            secretName: {{ include "mongodb-apikey-exporter.secretName" . }}
            defaultMode: 288 # 0440
        {{- if $web.enabled }}
        - name: web-config
          secret:
            secretName: {{ include "mongodb-apikey-exporter.webConfigSecretName" . }}
            defaultMode: 288 # 0440
        {{- end }}
        {{- if $tls }}
        - name: tls
          secret:
            secretName: {{ required "webConfig.tls.existingSecret is required when webConfig.tls.enabled" $web.tls.existingSecret }}
            defaultMode: 288 # 0440
        {{- end }}
        {{- with .Values.extraVolumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
