{{/* The release's full name: <release>-catalyst, or the release name when it already says catalyst. */}}
{{- define "catalyst.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The service matrix generated from catalyst.services (files/wiring.yaml): name -> port, peers, database, redis. */}}
{{- define "catalyst.services" -}}
{{- (.Files.Get "files/wiring.yaml" | fromYaml).services | toYaml -}}
{{- end -}}

{{/* The name of a component's objects: <fullname>-<component>. Call with (dict "ctx" $ "component" "x"). */}}
{{- define "catalyst.componentName" -}}
{{- printf "%s-%s" (include "catalyst.fullname" .ctx) (.component | replace "_" "-") | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "catalyst.selectorLabels" -}}
app.kubernetes.io/name: {{ .ctx.Chart.Name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The recommended labels. Call with (dict "ctx" $ "component" "x"). */}}
{{- define "catalyst.labels" -}}
{{ include "catalyst.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: catalyst
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "catalyst.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "catalyst.keysSecret" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-keys" (include "catalyst.fullname" .)) -}}
{{- end -}}

{{/* The secrets the chart generates (Settings: each identity's API key, the approval secret; Orchestration's:
     the MCP keys, the confirmation secret), written into files/wiring.yaml beside the matrix. */}}
{{- define "catalyst.secretNames" -}}
{{- (.Files.Get "files/wiring.yaml" | fromYaml).secrets | toYaml -}}
{{- end -}}

{{/* Where the services reach PostgreSQL: the in-cluster one, or DATABASE_URL from a Secret. */}}
{{- define "catalyst.databaseEnv" -}}
{{- if .Values.postgresql.enabled }}
- name: POSTGRES_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "catalyst.keysSecret" . }}
      key: POSTGRES_PASSWORD
- name: DATABASE_URL
  value: {{ printf "postgresql://catalyst:$(POSTGRES_PASSWORD)@%s:5432/catalyst" (include "catalyst.componentName" (dict "ctx" . "component" "postgresql")) | quote }}
{{- else }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.secretKey }}
{{- end }}
{{- end -}}

{{/* What every Catalyst container reads: the ConfigMap, the keys, the optional credentials. */}}
{{- define "catalyst.envFrom" -}}
- configMapRef:
    name: {{ include "catalyst.fullname" . }}-config
- secretRef:
    name: {{ include "catalyst.keysSecret" . }}
{{- if .Values.secrets.credentialsSecret }}
- secretRef:
    name: {{ .Values.secrets.credentialsSecret }}
    optional: true
{{- end }}
{{- end -}}

{{/* A pod's security: no service-account token, except for a pod that calls the Kubernetes API (the operator;
     Workflow with the operator on), which runs as its own service account. Call with (dict "ctx" $ "serviceAccount" name). */}}
{{- define "catalyst.podSecurityFor" -}}
{{- if .serviceAccount }}
serviceAccountName: {{ .serviceAccount }}
automountServiceAccountToken: true
{{- else }}
automountServiceAccountToken: false
{{- end }}
securityContext:
  {{- toYaml .ctx.Values.podSecurityContext | nindent 2 }}
{{- with .ctx.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "catalyst.podSecurity" -}}
{{- include "catalyst.podSecurityFor" (dict "ctx" .) -}}
{{- end -}}

{{/* The operator's objects' name (Deployment, Service, its service account, RBAC, webhook). */}}
{{- define "catalyst.operatorName" -}}
{{- include "catalyst.componentName" (dict "ctx" . "component" "operator") -}}
{{- end -}}

{{/* Workflow's service account when it patches the RiskParameters object (operator.enabled); else none. */}}
{{- define "catalyst.workflowServiceAccount" -}}
{{- if .Values.operator.enabled -}}
{{- include "catalyst.componentName" (dict "ctx" . "component" "workflow") -}}
{{- end -}}
{{- end -}}

{{/* NetworkPolicy egress to the Kubernetes API server (operator.apiServer). */}}
{{- define "catalyst.apiServerEgress" -}}
{{- toYaml (dict "to" (list (dict "ipBlock" (dict "cidr" .Values.operator.apiServer.cidr))) "ports" (list (dict "port" (int .Values.operator.apiServer.port) "protocol" "TCP"))) -}}
{{- end -}}

{{/* A service's own environment beyond the ConfigMap: with the operator, Risk's limits come only from the
     RiskParameters object (a file edit would be drift) and Workflow patches that object. */}}
{{- define "catalyst.operatorEnv" -}}
{{- if .ctx.Values.operator.enabled }}
{{- if eq .name "risk" }}
- name: RISK_WATCH_PARAMETERS
  value: "false"
{{- else if eq .name "workflow" }}
- name: RISK_PARAMETERS_OBJECT
  value: {{ printf "%s/%s" .ctx.Release.Namespace .ctx.Values.operator.objectName | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* A writable /tmp on a read-only root filesystem. */}}
{{- define "catalyst.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- end -}}

{{/* The bytes of a memory quantity in Mi or Gi (the schema admits no other unit). */}}
{{- define "catalyst.memoryBytes" -}}
{{- if hasSuffix "Gi" . -}}{{ mul (trimSuffix "Gi" . | int) 1073741824 }}{{- else -}}{{ mul (trimSuffix "Mi" . | int) 1048576 }}{{- end -}}
{{- end -}}

{{/* A service's resources: its own override, else the shared default. */}}
{{- define "catalyst.resources" -}}
{{- $own := get (.ctx.Values.services | default dict) .name | default dict -}}
{{- toYaml ($own.resources | default .ctx.Values.resources) -}}
{{- end -}}

{{/* Whether the Prometheus Operator objects are rendered: always, never, or when its API is there. */}}
{{- define "catalyst.monitoring" -}}
{{- $mode := .Values.monitoring.prometheusOperator -}}
{{- if or (eq $mode "always") (and (eq $mode "auto") (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1")) -}}
true
{{- end -}}
{{- end -}}
