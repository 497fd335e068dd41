{{/*
Chart name, truncated to 63 characters (the DNS label limit).
*/}}
{{- define "mongodb-apikey-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: <release>-<chart>, or the release name when it already contains the chart name.
*/}}
{{- define "mongodb-apikey-exporter.fullname" -}}
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

{{/*
Chart label value: <chart>-<version>.
*/}}
{{- define "mongodb-apikey-exporter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels: stable for the life of the release.
*/}}
{{- define "mongodb-apikey-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mongodb-apikey-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Standard labels for every object.
*/}}
{{- define "mongodb-apikey-exporter.labels" -}}
helm.sh/chart: {{ include "mongodb-apikey-exporter.chart" . }}
{{ include "mongodb-apikey-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: exporter
app.kubernetes.io/part-of: mongodb-apikey-exporter
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
ServiceAccount name.
*/}}
{{- define "mongodb-apikey-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mongodb-apikey-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Image reference: repository plus digest, or plus tag (default: the chart's appVersion).
*/}}
{{- define "mongodb-apikey-exporter.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Name of the Secret that holds the API keys.
*/}}
{{- define "mongodb-apikey-exporter.secretName" -}}
{{- default (include "mongodb-apikey-exporter.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{/*
Name of the web config Secret.
*/}}
{{- define "mongodb-apikey-exporter.webConfigSecretName" -}}
{{- printf "%s-web-config" (include "mongodb-apikey-exporter.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Where the API key files are mounted. */}}
{{- define "mongodb-apikey-exporter.secretsDir" -}}
/var/run/secrets/mongodb-apikey-exporter
{{- end }}

{{/*
Key inside the Secret for one users[] entry (dict "entry" . "index" i).
*/}}
{{- define "mongodb-apikey-exporter.userSecretKey" -}}
{{- $u := .entry }}
{{- if $u.secretKey }}{{ $u.secretKey }}{{ else }}{{ printf "%s.apiKey" (regexReplaceAll "[^-._a-zA-Z0-9]" (required (printf "config.users[%d].username is required" .index) $u.username) "_") }}{{ end }}
{{- end }}

{{/*
Key inside the Secret for one projects[] entry (dict "entry" . "index" i).
*/}}
{{- define "mongodb-apikey-exporter.projectSecretKey" -}}
{{- $p := .entry }}
{{- if $p.secretKey }}{{ $p.secretKey }}{{ else }}{{ printf "%s.privateKey" (regexReplaceAll "[^-._a-zA-Z0-9]" (required (printf "config.projects[%d].publicKey is required" .index) $p.publicKey) "_") }}{{ end }}
{{- end }}

{{/*
Key inside the Secret for one organizations[] entry (dict "entry" . "index" i): `secretKey`, else
`<publicKey>.privateKey` (a programmatic key: the same key as a projects[] entry of that key) or
`<clientId>.clientSecret` (a service account).
*/}}
{{- define "mongodb-apikey-exporter.organizationSecretKey" -}}
{{- $o := .entry }}
{{- if $o.secretKey }}{{ $o.secretKey }}
{{- else if $o.publicKey }}{{ printf "%s.privateKey" (regexReplaceAll "[^-._a-zA-Z0-9]" $o.publicKey "_") }}
{{- else }}{{ printf "%s.clientSecret" (regexReplaceAll "[^-._a-zA-Z0-9]" (required (printf "config.organizations[%d] needs publicKey (a programmatic API key) or clientId (a service account)" .index) $o.clientId) "_") }}
{{- end }}
{{- end }}

{{/*
The exporter's config.yaml: values.config with the secret fields replaced by file paths.
*/}}
{{- define "mongodb-apikey-exporter.config" -}}
{{- $dir := include "mongodb-apikey-exporter.secretsDir" . }}
{{- $cfg := dict "poll" .Values.config.poll }}
{{- $users := list }}
{{- range $i, $u := .Values.config.users }}
{{- $key := include "mongodb-apikey-exporter.userSecretKey" (dict "entry" $u "index" $i) }}
{{- $entry := omit $u "apiKey" "secretKey" }}
{{- $_ := set $entry "apiKeyFile" (printf "%s/%s" $dir $key) }}
{{- $users = append $users $entry }}
{{- end }}
{{- $projects := list }}
{{- range $i, $p := .Values.config.projects }}
{{- $key := include "mongodb-apikey-exporter.projectSecretKey" (dict "entry" $p "index" $i) }}
{{- $entry := omit $p "privateKey" "secretKey" }}
{{- $_ := set $entry "privateKeyFile" (printf "%s/%s" $dir $key) }}
{{- $projects = append $projects $entry }}
{{- end }}
{{- $organizations := list }}
{{- range $i, $o := .Values.config.organizations }}
{{- $key := include "mongodb-apikey-exporter.organizationSecretKey" (dict "entry" $o "index" $i) }}
{{- $entry := omit $o "privateKey" "clientSecret" "secretKey" }}
{{- $_ := set $entry (ternary "privateKeyFile" "clientSecretFile" (not (empty $o.publicKey))) (printf "%s/%s" $dir $key) }}
{{- $organizations = append $organizations $entry }}
{{- end }}
{{- if $users }}{{ $_ := set $cfg "users" $users }}{{ end }}
{{- if $projects }}{{ $_ := set $cfg "projects" $projects }}{{ end }}
{{- if $organizations }}{{ $_ := set $cfg "organizations" $organizations }}{{ end }}
{{- toYaml $cfg }}
{{- end }}

{{/*
Secret data (base64) for the chart-managed API key Secret.
*/}}
{{- define "mongodb-apikey-exporter.secretData" -}}
{{- $data := dict }}
{{- range $i, $u := .Values.config.users }}
{{- $key := include "mongodb-apikey-exporter.userSecretKey" (dict "entry" $u "index" $i) }}
{{- $_ := set $data $key (required (printf "config.users[%d].apiKey is required unless secret.existingSecret is set" $i) $u.apiKey | b64enc) }}
{{- end }}
{{- range $i, $p := .Values.config.projects }}
{{- $key := include "mongodb-apikey-exporter.projectSecretKey" (dict "entry" $p "index" $i) }}
{{- $_ := set $data $key (required (printf "config.projects[%d].privateKey is required unless secret.existingSecret is set" $i) $p.privateKey | b64enc) }}
{{- end }}
{{- range $i, $o := .Values.config.organizations }}
{{- $key := include "mongodb-apikey-exporter.organizationSecretKey" (dict "entry" $o "index" $i) }}
{{- $field := ternary "privateKey" "clientSecret" (not (empty $o.publicKey)) }}
{{- $value := required (printf "config.organizations[%d].%s is required unless secret.existingSecret is set" $i $field) (get $o $field) | b64enc }}
{{- if and (hasKey $data $key) (ne (get $data $key) $value) }}
{{- fail (printf "config.organizations[%d]: the Secret key %q already holds a different secret; give this entry its own secretKey" $i $key) }}
{{- end }}
{{- $_ := set $data $key $value }}
{{- end }}
{{- if $data }}{{ toYaml $data }}{{ end }}
{{- end }}

{{/*
The web config file (exporter-toolkit format).
*/}}
{{- define "mongodb-apikey-exporter.webConfig" -}}
{{- $w := .Values.webConfig }}
{{- $cfg := dict }}
{{- if $w.tls.enabled }}
{{- $tls := dict "cert_file" "/etc/mongodb-apikey-exporter/tls/tls.crt" "key_file" "/etc/mongodb-apikey-exporter/tls/tls.key" "min_version" $w.tls.minVersion "client_auth_type" $w.tls.clientAuthType }}
{{- if ne $w.tls.clientAuthType "NoClientCert" }}
{{- $_ := set $tls "client_ca_file" "/etc/mongodb-apikey-exporter/tls/ca.crt" }}
{{- end }}
{{- $_ := set $cfg "tls_server_config" $tls }}
{{- end }}
{{- with $w.basicAuthUsers }}
{{- $_ := set $cfg "basic_auth_users" . }}
{{- end }}
{{- with $w.headers }}
{{- $_ := set $cfg "http_server_config" (dict "headers" .) }}
{{- end }}
{{- toYaml $cfg }}
{{- end }}

{{/* URL scheme the exporter serves. */}}
{{- define "mongodb-apikey-exporter.scheme" -}}
{{- if and .Values.webConfig.enabled .Values.webConfig.tls.enabled }}HTTPS{{ else }}HTTP{{ end }}
{{- end }}

{{/* Whether the exporter runs sharded (sharding.replicas > 1): a StatefulSet instead of the Deployment. */}}
{{- define "mongodb-apikey-exporter.sharded" -}}
{{- if gt (int .Values.sharding.replicas) 1 }}true{{ end }}
{{- end }}

{{/* Name of the headless Service that governs the StatefulSet (pod DNS names). */}}
{{- define "mongodb-apikey-exporter.headlessServiceName" -}}
{{- printf "%s-headless" (include "mongodb-apikey-exporter.fullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}

{{/*
Label that tells the headless Service from the Service: the ServiceMonitor leaves the headless one
out, or it would scrape every pod twice (both Services list every pod).
*/}}
{{- define "mongodb-apikey-exporter.headlessLabelKey" -}}
mongodb-apikey-exporter/headless
{{- end }}
