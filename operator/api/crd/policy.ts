// The ValidatingAdmissionPolicy that carries the checks CRD CEL cannot express (CRD CEL does not
// see untyped values such as inline input items). Installed with the CRDs, so the API server
// refuses such objects whether or not the operator runs. Pure.
import { API_GROUP } from '../common.js';
import { orchestratedTaskAdmissionChecks, orchestratedTaskNames, type AdmissionCheck } from '../orchestratedtask.js';

export const ADMISSION_POLICY_NAME = `orchestratedtask-limits.${API_GROUP}`;

export interface AdmissionPolicyObject {
  apiVersion: 'admissionregistration.k8s.io/v1';
  kind: 'ValidatingAdmissionPolicy' | 'ValidatingAdmissionPolicyBinding';
  metadata: { name: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
}

const labels = { 'app.kubernetes.io/part-of': 'drm-operator' };

export function buildAdmissionPolicy(checks: readonly AdmissionCheck[] = orchestratedTaskAdmissionChecks): AdmissionPolicyObject[] {
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: ADMISSION_POLICY_NAME, labels },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          // CREATE only: the checked fields are immutable, and an object stored before the policy
          // existed must still take finalizer and metadata updates.
          resourceRules: [{ apiGroups: [API_GROUP], apiVersions: ['*'], operations: ['CREATE'], resources: [orchestratedTaskNames.plural] }],
        },
        validations: checks.map((check) => ({ expression: check.expression, messageExpression: check.messageExpression, reason: 'Invalid' })),
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: ADMISSION_POLICY_NAME, labels },
      spec: { policyName: ADMISSION_POLICY_NAME, validationActions: ['Deny'] },
    },
  ];
}
