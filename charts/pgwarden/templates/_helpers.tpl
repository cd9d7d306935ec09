{{/* Chart name, overridable. */}}
{{- define "pgwarden.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects. Kept to 52 characters: "-webhook-tls" is appended for the
operator's TLS Secret and "-metrics"/"-webhook" for the Services, which must stay within 63.
*/}}
{{- define "pgwarden.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "pgwarden.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "pgwarden.labels" -}}
helm.sh/chart: {{ include "pgwarden.chart" . }}
{{ include "pgwarden.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: pgwarden
{{- end }}

{{/* Labels selecting the operator's pods; never change them in an upgrade (selectors are immutable). */}}
{{- define "pgwarden.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pgwarden.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "pgwarden.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pgwarden.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The webhook Service; the operator derives its certificate's DNS names from it. */}}
{{- define "pgwarden.webhookServiceName" -}}
{{- printf "%s-webhook" (include "pgwarden.fullname" .) }}
{{- end }}

{{/* cert-manager Certificate and the Secret it writes (distinct from the operator's own "-webhook-tls"). */}}
{{- define "pgwarden.certificateName" -}}
{{- printf "%s-webhook" (include "pgwarden.fullname" .) }}
{{- end }}
{{- define "pgwarden.certificateSecretName" -}}
{{- printf "%s-webhook-cert" (include "pgwarden.fullname" .) }}
{{- end }}

{{- define "pgwarden.image" -}}
{{- printf "%s:%s" .image.repository (default .chart.AppVersion .image.tag) }}
{{- end }}

{{/* clientConfig for one webhook path. Call with (list $ "/path"). */}}
{{- define "pgwarden.webhookClientConfig" -}}
{{- $root := index . 0 -}}
clientConfig:
  service:
    name: {{ include "pgwarden.webhookServiceName" $root }}
    namespace: {{ $root.Release.Namespace }}
    path: {{ index . 1 }}
    port: 443
{{- end }}

{{/* Settings shared by every webhook. */}}
{{- define "pgwarden.webhookCommon" -}}
failurePolicy: {{ .Values.webhook.failurePolicy }}
{{ include "pgwarden.webhookTail" . }}
{{- end }}

{{/*
For the webhooks that guard separation of duties and the sidecar's secrets (approval decisions,
their status, exec and debug into the sidecar): always Fail, whatever webhook.failurePolicy says.
Letting those through unchecked while the operator is down would let anyone who may patch a
QueryApproval approve their own statement.
*/}}
{{- define "pgwarden.guardWebhookCommon" -}}
failurePolicy: Fail
{{ include "pgwarden.webhookTail" . }}
{{- end }}

{{- define "pgwarden.webhookTail" -}}
sideEffects: None
admissionReviewVersions: [v1]
timeoutSeconds: {{ .Values.webhook.timeoutSeconds }}
matchPolicy: Equivalent
{{- end }}

{{/*
What the operator does in the namespaces it watches. Granted cluster-wide when it watches all of
them, else per watched namespace.
*/}}
{{- define "pgwarden.namespacedRules" -}}
- apiGroups: [pgwarden.dev]
  resources: [databaseaccesspolicies]
  verbs: [get, list, watch, update, patch]
- apiGroups: [pgwarden.dev]
  resources: [databaseaccesspolicies/status]
  verbs: [get, update, patch]
# Owner references with blockOwnerDeletion (credential Secrets, RoleBindings) need this.
- apiGroups: [pgwarden.dev]
  resources: [databaseaccesspolicies/finalizers]
  verbs: [update]
# Expiry and garbage collection after --approval-retention.
- apiGroups: [pgwarden.dev]
  resources: [queryapprovals]
  verbs: [get, list, watch, delete]
- apiGroups: [pgwarden.dev]
  resources: [queryapprovals/status]
  verbs: [get, update, patch]
# Credential Secrets "pgwarden-<policy>" (written whole, watched by label so a Secret deleted or
# edited by hand is rewritten), and reading each policy's adminSecretRef.
- apiGroups: [""]
  resources: [secrets]
  verbs: [create, get, list, watch, update, delete]
# RoleBindings "pgwarden-sidecar-<policy>" for the policies' service accounts (read by name).
- apiGroups: [rbac.authorization.k8s.io]
  resources: [rolebindings]
  verbs: [create, get, update, delete]
# Binding a role needs its permissions or "bind" on it: bind, and on this role only.
- apiGroups: [rbac.authorization.k8s.io]
  resources: [clusterroles]
  resourceNames: [pgwarden-sidecar]
  verbs: [bind]
# Events on policies and approvals, written through events.k8s.io/v1 only.
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create]
{{- end }}
