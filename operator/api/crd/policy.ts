// The ValidatingAdmissionPolicies installed with the CRDs, so the API server enforces them whether
// or not the operator runs: the task checks CRD CEL cannot express (it does not see untyped values
// such as inline input items), and which ConfigMap a worker may write. Pure.
import { API_GROUP } from '../common.js';
import { orchestratedTaskAdmissionChecks, orchestratedTaskNames, type AdmissionCheck } from '../orchestratedtask.js';

export const ADMISSION_POLICY_NAME = `orchestratedtask-limits.${API_GROUP}`;
export const WORKER_RESULTS_POLICY_NAME = `worker-results.${API_GROUP}`;
/** The ServiceAccount worker pods run as (controllers/subtask/pod.ts WORKER_SERVICE_ACCOUNT). */
export const WORKER_SERVICE_ACCOUNT_NAME = 'drm-worker';
/** The token of a pod's ServiceAccount names its pod (bound tokens, Kubernetes 1.30+). */
const POD_NAME_EXTRA = 'authentication.kubernetes.io/pod-name';

export interface AdmissionPolicyObject {
  apiVersion: 'admissionregistration.k8s.io/v1';
  kind: 'ValidatingAdmissionPolicy' | 'ValidatingAdmissionPolicyBinding';
  metadata: { name: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
}

const labels = { 'app.kubernetes.io/part-of': 'drm-operator' };

export function buildAdmissionPolicy(checks: readonly AdmissionCheck[] = orchestratedTaskAdmissionChecks): AdmissionPolicyObject[] {
  return [
    ...policyWithBinding(ADMISSION_POLICY_NAME, {
      matchConstraints: {
        // CREATE only: the checked fields are immutable, and an object stored before the policy
        // existed must still take finalizer and metadata updates.
        resourceRules: [{ apiGroups: [API_GROUP], apiVersions: ['*'], operations: ['CREATE'], resources: [orchestratedTaskNames.plural] }],
      },
      validations: checks.map((check) => ({ expression: check.expression, messageExpression: check.messageExpression, reason: 'Invalid' })),
    }),
    ...workerResultsPolicy(),
  ];
}

/** A policy that refuses (failurePolicy Fail) what its validations do not allow, and its Deny binding. */
function policyWithBinding(name: string, spec: Record<string, unknown>): AdmissionPolicyObject[] {
  return [
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name, labels }, spec: { failurePolicy: 'Fail', ...spec } },
    binding(name),
  ];
}

function binding(policyName: string): AdmissionPolicyObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: policyName, labels },
    spec: { policyName, validationActions: ['Deny'] },
  };
}

/**
 * A worker pod may write exactly one ConfigMap: `<its pod's name>-result`, which is what its
 * attempt is told to write (DRM_RESULT_CONFIGMAP, `<subtask>-a<attempt>-result`). RBAC cannot say
 * this (create takes no resourceNames), so any other write by the worker ServiceAccount (another
 * task's input or result, a sibling's result) is refused here; reads are refused by RBAC (the
 * worker Role has no get).
 */
function workerResultsPolicy(): AdmissionPolicyObject[] {
  const podName = `request.userInfo.extra['${POD_NAME_EXTRA}'][0]`;
  return policyWithBinding(WORKER_RESULTS_POLICY_NAME, {
    matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps'] }] },
    matchConditions: [
      {
        name: 'worker-service-account',
        expression: `request.userInfo.username.startsWith('system:serviceaccount:') && request.userInfo.username.endsWith(':${WORKER_SERVICE_ACCOUNT_NAME}')`,
      },
    ],
    validations: [
      {
        expression: `'${POD_NAME_EXTRA}' in request.userInfo.extra && object.metadata.name == ${podName} + '-result'`,
        messageExpression: `'a worker may write only its own result ConfigMap (' + ('${POD_NAME_EXTRA}' in request.userInfo.extra ? ${podName} + '-result' : 'its token names no pod') + '), not ' + object.metadata.name`,
        reason: 'Forbidden',
      },
    ],
  });
}
