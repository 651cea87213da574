// Builds an apiextensions.k8s.io/v1 CustomResourceDefinition from a kind's zod schema. Pure:
// the same schema always gives the same object, and nothing is read or written.
import { z } from 'zod';
import { API_CATEGORY, API_GROUP, API_VERSION, type KindNames } from '../common.js';
import { structuralProblems, toStructuralSchema, type JsonSchema } from './structural.js';

export interface PrinterColumn {
  /** Shown upper-cased by kubectl, e.g. `Strategy` → STRATEGY. */
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  /** 1: shown only by `kubectl get -o wide`. */
  priority?: number;
}

export interface CrdSource {
  names: KindNames;
  schema: z.ZodType;
  printerColumns: readonly PrinterColumn[];
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    scope: 'Namespaced' | 'Cluster';
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: JsonSchema };
    }>;
  };
}

/** Every kind's AGE column: how kubectl shows creationTimestamp. */
export const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since the object was created.',
};

function typeMetaProperty(description: string): JsonSchema {
  return { description, type: 'string' };
}

/**
 * The CRD's openAPIV3Schema for a kind: zod's input schema (defaults become CRD defaults) made
 * structural, with apiVersion, kind and metadata in the form the API server expects (it owns
 * metadata's schema). Throws listing every problem, e.g. a property without a description.
 */
export function crdSchemaFor(schema: z.ZodType, kind: string): JsonSchema {
  const emitted = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'throw' }) as JsonSchema;
  const properties: JsonSchema = {
    ...(emitted.properties as JsonSchema | undefined),
    apiVersion: typeMetaProperty('APIVersion defines the versioned schema of this representation of an object: drm.dtf.io/v1alpha1.'),
    kind: typeMetaProperty(`Kind is the REST resource this object represents: ${kind}.`),
    metadata: { type: 'object' },
  };
  const required = (Array.isArray(emitted.required) ? emitted.required : []).filter(
    (name) => name !== 'apiVersion' && name !== 'kind' && name !== 'metadata',
  );
  const { required: _required, ...rest } = emitted;
  const root = toStructuralSchema({ ...rest, properties, ...(required.length > 0 ? { required } : {}) });

  const problems = structuralProblems(root, { undescribedAllowed: ['.metadata'], unboundedAllowed: ['.apiVersion', '.kind'] });
  if (problems.length > 0) throw new Error(`${kind}: the generated CRD schema is not valid:\n  ${problems.join('\n  ')}`);
  return root;
}

export function crdName(names: KindNames): string {
  return `${names.plural}.${API_GROUP}`;
}

export function buildCrd(source: CrdSource): CustomResourceDefinition {
  const { names } = source;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: crdName(names),
      labels: { 'app.kubernetes.io/part-of': 'drm-operator' },
    },
    spec: {
      group: API_GROUP,
      names: {
        kind: names.kind,
        listKind: names.listKind,
        plural: names.plural,
        singular: names.singular,
        shortNames: [...names.shortNames],
        categories: [API_CATEGORY],
      },
      scope: names.scope,
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: source.printerColumns.map((column) => ({ ...column })),
          schema: { openAPIV3Schema: crdSchemaFor(source.schema, names.kind) },
        },
      ],
    },
  };
}
