{{/* The chart name, or nameOverride. */}}
{{- define "workspaces-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The objects' name: fullnameOverride, else RELEASE-NAME (just RELEASE when it
already contains the name), cut at 63 characters (DNS label).
*/}}
{{- define "workspaces-exporter.fullname" -}}
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

{{/* chart-version, for the helm.sh/chart label. */}}
{{- define "workspaces-exporter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "workspaces-exporter.labels" -}}
helm.sh/chart: {{ include "workspaces-exporter.chart" . }}
{{ include "workspaces-exporter.selectorLabels" . }}
app.kubernetes.io/component: exporter
app.kubernetes.io/version: {{ include "workspaces-exporter.version" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels the Deployment, Service, PodDisruptionBudget and NetworkPolicy select pods by. */}}
{{- define "workspaces-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "workspaces-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The exporter's version: the image tag, else appVersion. */}}
{{- define "workspaces-exporter.version" -}}
{{- default .Chart.AppVersion .Values.image.tag | trunc 63 }}
{{- end }}

{{/* repository:tag, or repository@digest. */}}
{{- define "workspaces-exporter.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "workspaces-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "workspaces-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Where the mounted files go. */}}
{{- define "workspaces-exporter.configDir" -}}/etc/workspaces-exporter/config{{- end }}
{{- define "workspaces-exporter.webConfigDir" -}}/etc/workspaces-exporter/web{{- end }}
{{- define "workspaces-exporter.tlsDir" -}}/etc/workspaces-exporter/tls{{- end }}

{{/* "true" when the exporter reads a config file. */}}
{{- define "workspaces-exporter.hasConfig" -}}
{{- if or .Values.config .Values.existingConfigMap }}true{{ end }}
{{- end }}

{{- define "workspaces-exporter.configMapName" -}}
{{- default (printf "%s-config" (include "workspaces-exporter.fullname" .)) .Values.existingConfigMap }}
{{- end }}

{{- define "workspaces-exporter.configKey" -}}
{{- if .Values.existingConfigMap }}{{ .Values.existingConfigMapKey }}{{ else }}config.yml{{ end }}
{{- end }}

{{/* The web config the chart renders: webConfig.config plus the mounted certificate's paths (unless it has its own certificate and key). */}}
{{- define "workspaces-exporter.webConfig" -}}
{{- $web := deepCopy (.Values.webConfig.config | default dict) }}
{{- if and .Values.webConfig.tls.enabled .Values.webConfig.tls.secretName }}
{{- $tls := deepCopy (get $web "tls_server_config" | default dict) }}
{{- $dir := include "workspaces-exporter.tlsDir" . }}
{{- if not (or (hasKey $tls "cert_file") (hasKey $tls "cert")) }}{{ $_ := set $tls "cert_file" (printf "%s/tls.crt" $dir) }}{{ end }}
{{- if not (or (hasKey $tls "key_file") (hasKey $tls "key")) }}{{ $_ := set $tls "key_file" (printf "%s/tls.key" $dir) }}{{ end }}
{{- $_ := set $web "tls_server_config" $tls }}
{{- end }}
{{- if $web }}{{ toYaml $web }}{{ end }}
{{- end }}

{{/* "true" when the exporter reads a web config file. */}}
{{- define "workspaces-exporter.hasWebConfig" -}}
{{- if or .Values.webConfig.existingSecret (include "workspaces-exporter.webConfig" .) }}true{{ end }}
{{- end }}

{{- define "workspaces-exporter.webConfigSecretName" -}}
{{- default (printf "%s-web-config" (include "workspaces-exporter.fullname" .)) .Values.webConfig.existingSecret }}
{{- end }}

{{- define "workspaces-exporter.webConfigKey" -}}
{{- if .Values.webConfig.existingSecret }}{{ .Values.webConfig.existingSecretKey }}{{ else }}web-config.yml{{ end }}
{{- end }}

{{/* "true" when the exporter serves HTTPS. */}}
{{- define "workspaces-exporter.tlsEnabled" -}}
{{- if or .Values.webConfig.tls.enabled (and .Values.webConfig.config (hasKey .Values.webConfig.config "tls_server_config")) }}true{{ end }}
{{- end }}

{{- define "workspaces-exporter.scheme" -}}
{{- if include "workspaces-exporter.tlsEnabled" . }}https{{ else }}http{{ end }}
{{- end }}

{{/* "true" when basic authentication guards every path, the probes' included. */}}
{{- define "workspaces-exporter.basicAuthEnabled" -}}
{{- if or .Values.webConfig.basicAuth (and .Values.webConfig.config .Values.webConfig.config.basic_auth_users) }}true{{ end }}
{{- end }}

{{/* webConfig.config's tls_server_config, or an empty dict. */}}
{{- define "workspaces-exporter.tlsServerConfig" -}}
{{- toYaml ((.Values.webConfig.config | default dict).tls_server_config | default dict) }}
{{- end }}

{{/* "true" when TLS connections without a client certificate are refused (the kubelet's probes
have none): a required certificate, or client_allowed_sans with any type that asks for one. */}}
{{- define "workspaces-exporter.clientCertRequired" -}}
{{- $tls := include "workspaces-exporter.tlsServerConfig" . | fromYaml }}
{{- $type := $tls.client_auth_type | default "" }}
{{- $sans := and (hasKey $tls "client_allowed_sans") (ne $type "NoClientCert") (ne $type "") }}
{{- if or .Values.webConfig.requireClientCert (has $type (list "RequireAnyClientCert" "RequireClientCert" "RequireAndVerifyClientCert")) $sans }}true{{ end }}
{{- end }}

{{/* "true" when the web config has a rate limit: its one bucket serves every request, so HTTP
probes would spend it, and a client emptying it would fail the liveness probe. */}}
{{- define "workspaces-exporter.rateLimited" -}}
{{- $config := .Values.webConfig.config | default dict }}
{{- if or .Values.webConfig.rateLimit (and $config.rate_limit (ne (toString ($config.rate_limit.interval | default "0")) "0")) }}true{{ end }}
{{- end }}

{{/* A probe's handler: HTTP GET on PATH, or a TCP connection when TLS requires a client
certificate, under a rate limit, or under basic authentication without probe headers. */}}
{{- define "workspaces-exporter.probeHandler" -}}
{{- $ := index . 0 }}
{{- if or (include "workspaces-exporter.clientCertRequired" $) (include "workspaces-exporter.rateLimited" $) (and (include "workspaces-exporter.basicAuthEnabled" $) (not $.Values.probeHttpHeaders)) }}
tcpSocket:
  port: http-metrics
{{- else }}
httpGet:
  path: {{ index . 1 }}
  port: http-metrics
  scheme: {{ include "workspaces-exporter.scheme" $ | upper }}
  {{- with $.Values.probeHttpHeaders }}
  httpHeaders:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}

{{/* The Service's in-cluster address, host:port. */}}
{{- define "workspaces-exporter.serviceAddress" -}}
{{- printf "%s.%s.svc:%d" (include "workspaces-exporter.fullname" .) .Release.Namespace (int .Values.service.port) }}
{{- end }}

{{/* Refusals: combinations the exporter would refuse at start-up, said at install time instead. */}}
{{- define "workspaces-exporter.validate" -}}
{{- if and .Values.config .Values.existingConfigMap }}
{{- fail "set config or existingConfigMap, not both" }}
{{- end }}
{{- if and .Values.webConfig.config .Values.webConfig.existingSecret }}
{{- fail "set webConfig.config or webConfig.existingSecret, not both" }}
{{- end }}
{{- if include "workspaces-exporter.hasConfig" . }}
{{- if or .Values.aws.additionalRegions .Values.aws.roleArn .Values.aws.externalId .Values.aws.accountId }}
{{- fail "aws.additionalRegions, aws.roleArn, aws.externalId and aws.accountId are target flags, which the exporter refuses beside a config file: put them in config.targets (regions, role_arn, external_id, account_id)" }}
{{- end }}
{{- else if not .Values.aws.region }}
{{- fail "aws.region is required without a config file (config or existingConfigMap)" }}
{{- end }}
{{- if and .Values.aws.externalId (not .Values.aws.roleArn) }}
{{- fail "aws.externalId needs aws.roleArn" }}
{{- end }}
{{- if and .Values.webConfig.tls.secretName (not .Values.webConfig.tls.enabled) }}
{{- fail "webConfig.tls.secretName is set but webConfig.tls.enabled is false" }}
{{- end }}
{{- $tls := include "workspaces-exporter.tlsServerConfig" . | fromYaml }}
{{- $clientCA := or $tls.client_ca_file $tls.client_ca }}
{{- if and $clientCA (has ($tls.client_auth_type | default "") (list "" "NoClientCert")) }}
{{- fail "webConfig.config.tls_server_config: client CAs are configured without a client_auth_type that asks for certificates" }}
{{- end }}
{{- $min := $tls.min_version | default "TLS12" }}
{{- $max := $tls.max_version | default "TLS13" }}
{{- if gt $min $max }}
{{- fail (printf "webConfig.config.tls_server_config: min_version %s is above max_version %s (the defaults are TLS12 and TLS13)" $min $max) }}
{{- end }}
{{- if and .Values.webConfig.tls.enabled (not .Values.webConfig.tls.secretName) (not .Values.webConfig.existingSecret) (not (and .Values.webConfig.config (hasKey .Values.webConfig.config "tls_server_config"))) }}
{{- fail "webConfig.tls.enabled needs webConfig.tls.secretName (a kubernetes.io/tls Secret), a tls_server_config in webConfig.config, or webConfig.existingSecret" }}
{{- end }}
{{- end }}
