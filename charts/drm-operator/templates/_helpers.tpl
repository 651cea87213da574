{{- define "drm.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "drm.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "drm.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "drm.serviceAccountName" -}}
{{- default (include "drm.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- /* What the operator does in a namespace that runs tasks: in the ClusterRole, or with
watchNamespaces set, in a Role in each of those namespaces. */}}
{{- define "drm.namespacedRules" -}}
# The API it serves: tasks and the subtasks it splits them into.
- apiGroups: [drm.dtf.io]
  resources: [orchestratedtasks, subtasks]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [drm.dtf.io]
  resources: [orchestratedtasks/status, subtasks/status]
  verbs: [get, update, patch]
# Worker pods: created per attempt, bound by the operator's own scheduler, reported on when they
# fit nowhere; deletecollection: a deleted task's remaining pods go in one call per subtask.
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch, create, delete, deletecollection]
- apiGroups: [""]
  resources: [pods/binding]
  verbs: [create]
- apiGroups: [""]
  resources: [pods/status]
  verbs: [patch, update]
# Inputs and results of subtasks, and the predictor's training data.
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch, create, update, delete]
- apiGroups: [""]
  resources: [events]
  verbs: [create, update, patch]
# The worker identity (ServiceAccount, Role, RoleBinding) in each namespace that runs tasks.
- apiGroups: [""]
  resources: [serviceaccounts]
  verbs: [get, create]
# update: a worker Role left by an earlier version is narrowed to what workers need now.
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles]
  verbs: [get, create, update]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [rolebindings]
  verbs: [get, create]
{{- end -}}

{{- /* Cloud credentials named by WorkerPools: only the Secrets values name, when they do. */}}
{{- define "drm.secretRule" -}}
- apiGroups: [""]
  resources: [secrets]
  {{- with .Values.credentials.secretNames }}
  resourceNames: {{- toYaml . | nindent 4 }}
  {{- end }}
  verbs: [get]
{{- end -}}
