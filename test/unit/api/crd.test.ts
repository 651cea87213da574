// The CRD generator: structural schemas that the API server accepts, fully described, with the
// names, printer columns, defaults and CEL rules users and the operator rely on.
import { describe, expect, test } from '@jest/globals';
import { parse, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import {
  ADMISSION_POLICY_FILE,
  buildAdmissionPolicy,
  buildCrd,
  crdSchemaFor,
  crdSources,
  generatedCrdFiles,
  GENERATED_HEADER,
  structuralProblems,
  toStructuralSchema,
  type CustomResourceDefinition,
  type JsonSchema,
} from '../../../operator/api/crd/index.js';
import { QUANTITY_PATTERN } from '../../../operator/api/index.js';

const crds = crdSources.map(buildCrd);
const crdOf = (plural: string): CustomResourceDefinition => {
  const crd = crds.find((candidate) => candidate.spec.names.plural === plural);
  if (!crd) throw new Error(`no CRD ${plural}`);
  return crd;
};
const rootSchema = (plural: string): JsonSchema => crdOf(plural).spec.versions[0]!.schema.openAPIV3Schema;

/** The schema at a dotted path of property names; `[]` steps into array items. */
function schemaAt(root: JsonSchema, path: string): JsonSchema {
  let node = root;
  for (const step of path.split('.')) {
    const next = step === '[]' ? node.items : (node.properties as JsonSchema | undefined)?.[step];
    if (typeof next !== 'object' || next === null) throw new Error(`no schema at ${path} (stopped at ${step})`);
    node = next as JsonSchema;
  }
  return node;
}

interface Visited {
  path: string;
  node: JsonSchema;
  isProperty: boolean;
}

function walk(node: JsonSchema, path = '', isProperty = false): Visited[] {
  const visited: Visited[] = [{ path, node, isProperty }];
  for (const [name, child] of Object.entries((node.properties as Record<string, JsonSchema> | undefined) ?? {})) {
    visited.push(...walk(child, `${path}.${name}`, true));
  }
  if (typeof node.items === 'object' && node.items !== null) visited.push(...walk(node.items as JsonSchema, `${path}[*]`));
  if (typeof node.additionalProperties === 'object' && node.additionalProperties !== null) {
    visited.push(...walk(node.additionalProperties as JsonSchema, `${path}{*}`));
  }
  return visited;
}

interface Rule {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: string;
}
const rulesAt = (node: JsonSchema): Rule[] => (node['x-kubernetes-validations'] as Rule[] | undefined) ?? [];

describe('CRD identity', () => {
  test.each([
    ['orchestratedtasks', 'OrchestratedTask', 'orchestratedtask', 'ot', 'Namespaced'],
    ['subtasks', 'Subtask', 'subtask', 'st', 'Namespaced'],
    ['workerpools', 'WorkerPool', 'workerpool', 'wp', 'Cluster'],
  ])('%s: names, scope, one served storage version with a status subresource', (plural, kind, singular, shortName, scope) => {
    const crd = crdOf(plural);
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.metadata.name).toBe(`${plural}.drm.dtf.io`);
    expect(crd.spec.group).toBe('drm.dtf.io');
    expect(crd.spec.scope).toBe(scope);
    expect(crd.spec.names).toEqual({ kind, listKind: `${kind}List`, plural, singular, shortNames: [shortName], categories: ['drm'] });
    expect(crd.spec.versions).toHaveLength(1);
    const version = crd.spec.versions[0]!;
    expect([version.name, version.served, version.storage]).toEqual(['v1alpha1', true, true]);
    expect(version.subresources).toEqual({ status: {} });
  });
});

describe('printer columns', () => {
  const columns = (plural: string) => crdOf(plural).spec.versions[0]!.additionalPrinterColumns.map((c) => [c.name.toUpperCase(), c.jsonPath, c.type]);

  test('orchestratedtasks', () => {
    expect(columns('orchestratedtasks')).toEqual([
      ['STRATEGY', '.spec.strategy', 'string'],
      ['PHASE', '.status.phase', 'string'],
      ['PROGRESS', '.status.completionPercentage', 'integer'],
      ['SUBTASKS', '.status.subtasksSummary', 'string'],
      ['AGE', '.metadata.creationTimestamp', 'date'],
    ]);
  });

  test('subtasks', () => {
    expect(columns('subtasks')).toEqual([
      ['TASK', '.spec.taskRef.name', 'string'],
      ['ROLE', '.spec.role', 'string'],
      ['PHASE', '.status.phase', 'string'],
      ['NODE', '.status.nodeName', 'string'],
      ['ATTEMPTS', '.status.attempts', 'integer'],
      ['AGE', '.metadata.creationTimestamp', 'date'],
      ['POOL', '.status.workerPool', 'string'],
      ['FITNESS', '.status.fitnessScore', 'number'],
      ['MESSAGE', '.status.message', 'string'],
    ]);
    // Pool, fitness and message only with -o wide.
    expect(crdOf('subtasks').spec.versions[0]!.additionalPrinterColumns.filter((c) => c.priority === 1).map((c) => c.name)).toEqual(['Pool', 'Fitness', 'Message']);
  });

  test('workerpools', () => {
    expect(columns('workerpools')).toEqual([
      ['HARDWARE', '.spec.hardware.type', 'string'],
      ['PROVIDER', '.status.provider', 'string'],
      ['NODES', '.status.nodes', 'integer'],
      ['DESIRED', '.status.desiredNodes', 'integer'],
      ['UTIL', '.status.utilizationSummary', 'string'],
      ['LAST-ACTION', '.status.lastDecision.action', 'string'],
      ['AGE', '.metadata.creationTimestamp', 'date'],
    ]);
  });

  test('every column points at a field of the schema, typed as the column', () => {
    for (const crd of crds) {
      const version = crd.spec.versions[0]!;
      for (const column of version.additionalPrinterColumns) {
        if (column.jsonPath.startsWith('.metadata.')) continue;
        const field = schemaAt(version.schema.openAPIV3Schema, column.jsonPath.slice(1));
        expect(field.type).toBe(column.type);
        expect(column.description).not.toBe('');
      }
    }
  });
});

describe.each(['orchestratedtasks', 'subtasks', 'workerpools'])('%s: a structural schema', (plural) => {
  const root = rootSchema(plural);
  const nodes = walk(root);

  test('passes the generator\'s own structural check', () => {
    expect(structuralProblems(root, { undescribedAllowed: ['.metadata'], unboundedAllowed: ['.apiVersion', '.kind'] })).toEqual([]);
  });

  test('describes every property except metadata', () => {
    const undescribed = nodes.filter((n) => n.isProperty && n.path !== '.metadata' && !(typeof n.node.description === 'string' && n.node.description.length > 10));
    expect(undescribed.map((n) => n.path)).toEqual([]);
  });

  test('leaves metadata to the API server and apiVersion/kind as plain strings', () => {
    expect(schemaAt(root, 'metadata')).toEqual({ type: 'object' });
    expect(schemaAt(root, 'apiVersion').type).toBe('string');
    expect(schemaAt(root, 'kind').type).toBe('string');
    expect(root.required).toEqual(['spec']);
  });

  test('has no refs, $schema, nullable, oneOf/allOf, or additionalProperties beside properties', () => {
    const text = JSON.stringify(root);
    for (const keyword of ['"$ref"', '"$schema"', '"definitions"', '"$defs"', '"nullable"', '"oneOf"', '"allOf"', '"propertyNames"']) {
      expect(text).not.toContain(keyword);
    }
    expect(nodes.filter((n) => n.node.properties !== undefined && n.node.additionalProperties !== undefined).map((n) => n.path)).toEqual([]);
    expect(nodes.filter((n) => n.node.additionalProperties === false).map((n) => n.path)).toEqual([]);
  });

  test('types every node, except int-or-string and free-form JSON', () => {
    const untyped = nodes.filter(
      (n) => n.node.type === undefined && n.node['x-kubernetes-int-or-string'] !== true && n.node['x-kubernetes-preserve-unknown-fields'] !== true,
    );
    expect(untyped.map((n) => n.path)).toEqual([]);
  });

  test('uses anyOf only in the int-or-string form', () => {
    for (const { node } of nodes.filter((n) => n.node.anyOf !== undefined)) {
      expect(node['x-kubernetes-int-or-string']).toBe(true);
      expect(node.anyOf).toEqual([{ type: 'integer' }, { type: 'string' }]);
    }
  });

  test('bounds every string, array and map, and drops z.int()\'s safe-integer bounds', () => {
    for (const { path, node } of nodes) {
      if (node.type === 'string' && path !== '.apiVersion' && path !== '.kind') {
        expect([path, node.maxLength !== undefined || node.enum !== undefined || node.format === 'date-time']).toEqual([path, true]);
      }
      if (node.type === 'array') expect([path, typeof node.maxItems]).toEqual([path, 'number']);
      expect([path, node.maximum]).not.toEqual([path, Number.MAX_SAFE_INTEGER]);
      expect([path, node.minimum]).not.toEqual([path, -Number.MAX_SAFE_INTEGER]);
    }
  });

  test('gives every CEL rule a message, a reason and a fieldPath', () => {
    const rules = nodes.flatMap((n) => rulesAt(n.node).map((rule) => ({ path: n.path, rule })));
    expect(rules.length).toBeGreaterThan(0);
    for (const { path, rule } of rules) {
      expect([path, rule.rule.length > 0, rule.message.length > 0, typeof rule.reason]).toEqual([path, true, true, 'string']);
      // A rule about the map it sits on (label keys) needs no fieldPath; every other rule names its field.
      if (!rule.rule.startsWith('self.all(k,')) expect([path, rule.fieldPath?.startsWith('.')]).toEqual([path, true]);
    }
  });
});

describe('OrchestratedTask schema details', () => {
  const root = rootSchema('orchestratedtasks');
  const spec = schemaAt(root, 'spec');
  const specRules = rulesAt(spec);

  test('strategy lists all five strategies and explains each', () => {
    const strategy = schemaAt(root, 'spec.strategy');
    expect(strategy.enum).toEqual(['DataParallel', 'ModelParallel', 'PipelineParallel', 'Ensemble', 'FunctionParallel']);
    for (const name of strategy.enum as string[]) expect(strategy.description).toContain(name);
  });

  test('each strategy\'s fields are required by it and forbidden to the others, by CEL on spec', () => {
    for (const field of ['stages', 'microBatches', 'variants', 'functions', 'input']) {
      expect(specRules.filter((r) => r.fieldPath === `.${field}` && r.reason === 'FieldValueRequired')).toHaveLength(1);
    }
    for (const field of ['partitions', 'stages', 'microBatches', 'variants', 'functions']) {
      expect(specRules.filter((r) => r.fieldPath === `.${field}` && r.message.includes('only allowed with strategy'))).toHaveLength(1);
    }
    expect(specRules.find((r) => r.fieldPath === '.merge.method')?.rule).toContain("'FunctionParallel': ['collect']");
  });

  test('strategy and the other split inputs are immutable through oldSelf rules', () => {
    const transitions = specRules.filter((r) => r.rule.includes('oldSelf')).map((r) => r.fieldPath);
    expect(transitions).toEqual(expect.arrayContaining(['.strategy', '.partitions', '.stages', '.input', '.microBatches']));
    expect(transitions).not.toContain('.cancel');
  });

  test('stages, variants and functions are lists keyed by name, with bounded length', () => {
    for (const field of ['stages', 'variants', 'functions']) {
      const list = schemaAt(root, `spec.${field}`);
      expect(list['x-kubernetes-list-type']).toBe('map');
      expect(list['x-kubernetes-list-map-keys']).toEqual(['name']);
      expect([list.minItems, list.maxItems]).toEqual([1, 64]);
    }
  });

  test('input is exactly one of items and configMapRef, and items are free-form and bounded', () => {
    const input = schemaAt(root, 'spec.input');
    expect([input.minProperties, input.maxProperties]).toEqual([1, 1]);
    const items = schemaAt(root, 'spec.input.items');
    expect(items.maxItems).toBe(10000);
    expect(items.items).toMatchObject({ 'x-kubernetes-preserve-unknown-fields': true });
    expect(schemaAt(root, 'spec.input.configMapRef.key').default).toBe('items.json');
  });

  test('free-form JSON is preserved', () => {
    for (const path of ['spec.params', 'spec.stages.[].params', 'spec.variants.[].params', 'status.result']) {
      const node = schemaAt(root, path);
      expect([path, node['x-kubernetes-preserve-unknown-fields']]).toEqual([path, true]);
      expect(node.properties).toBeUndefined();
      expect(node.additionalProperties).toBeUndefined();
    }
  });

  test('quantities are int-or-string with the apiextensions pattern, minus the sign', () => {
    const cpu = schemaAt(root, 'spec.resources.cpu');
    expect(cpu).toMatchObject({ anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true, minimum: 0, maxLength: 64 });
    expect(cpu.pattern).toBe(QUANTITY_PATTERN.replace('^(\\+|-)?', '^\\+?'));
  });

  test('defaults are written out in full, so the API server applies them and CEL sees them', () => {
    expect(schemaAt(root, 'spec.retry').default).toEqual({ maxAttempts: 3, backoffSeconds: 10, maxBackoffSeconds: 300 });
    expect(schemaAt(root, 'spec.retry.maxAttempts').default).toBe(3);
    expect(schemaAt(root, 'spec.failurePolicy').default).toEqual({ mode: 'FailFast' });
    expect(schemaAt(root, 'spec.hardware.type').default).toBe('any');
    expect(schemaAt(root, 'spec.cancel').default).toBe(false);
  });

  test('hardware and retry carry their own rules', () => {
    expect(rulesAt(schemaAt(root, 'spec.hardware')).map((r) => r.fieldPath)).toEqual(['.gpuProduct', '.minGpuMemoryMiB']);
    expect(rulesAt(schemaAt(root, 'spec.retry'))).toEqual([
      { rule: 'self.backoffSeconds <= self.maxBackoffSeconds', message: 'backoffSeconds must not exceed maxBackoffSeconds', fieldPath: '.backoffSeconds', reason: 'FieldValueInvalid' },
    ]);
  });

  test('status has the printer-column fields and metav1-style conditions', () => {
    expect(schemaAt(root, 'status.subtasksSummary').type).toBe('string');
    const conditions = schemaAt(root, 'status.conditions');
    expect(conditions['x-kubernetes-list-map-keys']).toEqual(['type']);
    expect(schemaAt(root, 'status.conditions.[].status').enum).toEqual(['True', 'False', 'Unknown']);
    expect(schemaAt(root, 'status.conditions.[].lastTransitionTime')).toMatchObject({ type: 'string', format: 'date-time' });
    expect(schemaAt(root, 'status.conditions.[].lastTransitionTime').pattern).toBeUndefined();
  });
});

describe('WorkerPool schema details', () => {
  const root = rootSchema('workerpools');
  const specRules = rulesAt(schemaAt(root, 'spec'));

  test('scaling defaults match the design', () => {
    expect(schemaAt(root, 'spec.scaling').default).toEqual({
      targetUtilization: 0.7,
      scaleUpThreshold: 0.85,
      scaleDownThreshold: 0.3,
      intervalSeconds: 30,
      cooldownSeconds: 300,
      scaleDownIdleSeconds: 600,
      predictive: true,
      horizonSeconds: 600,
    });
    expect(rulesAt(schemaAt(root, 'spec.scaling')).map((r) => r.fieldPath)).toEqual(['.scaleDownThreshold', '.targetUtilization']);
  });

  test('exactly one provider, min ≤ max nodes, and an immutable provider', () => {
    expect(specRules.filter((r) => r.fieldPath === '.provider').map((r) => r.reason)).toEqual(['FieldValueRequired', 'FieldValueInvalid', 'FieldValueForbidden']);
    expect(specRules.find((r) => r.fieldPath === '.minNodes')?.rule).toBe('self.minNodes <= self.maxNodes');
    expect(rulesAt(schemaAt(root, 'spec.provider.aws')).map((r) => r.fieldPath)).toEqual(['.instanceTypes']);
  });

  test('status has provider and utilizationSummary for the printer columns', () => {
    expect(schemaAt(root, 'status.provider').enum).toEqual(['kwok', 'static', 'aws', 'gcp']);
    expect(schemaAt(root, 'status.lastDecision.action').enum).toEqual(['scaleUp', 'scaleDown', 'maintain']);
    expect(schemaAt(root, 'status.lastDecision.requirements')['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(schemaAt(root, 'status.decisions').maxItems).toBe(20);
  });
});

describe('Subtask schema details', () => {
  const root = rootSchema('subtasks');

  test('attempts and a bounded attempt history', () => {
    expect(schemaAt(root, 'status.attempts').type).toBe('integer');
    const history = schemaAt(root, 'status.attemptHistory');
    expect(history.maxItems).toBe(20);
    expect(Object.keys(schemaAt(root, 'status.attemptHistory.[]').properties as object).sort()).toEqual(
      ['attempt', 'completionTime', 'exitCode', 'message', 'nodeName', 'phase', 'podName', 'reason', 'startTime'].sort(),
    );
  });

  test('dependsOn is a set', () => {
    expect(schemaAt(root, 'spec.dependsOn')['x-kubernetes-list-type']).toBe('set');
  });
});

describe('the generator', () => {
  test('throws when a property has no description', () => {
    const schema = z.object({ spec: z.object({ count: z.int().min(0).max(3) }).describe('spec') }).describe('root');
    expect(() => crdSchemaFor(schema, 'Thing')).toThrow(/\.spec\.count: no description/);
  });

  test('throws on a union that is not int-or-string', () => {
    const schema = z.object({ value: z.union([z.string().max(3), z.boolean()]).describe('either') }).describe('root');
    expect(() => crdSchemaFor(schema, 'Thing')).toThrow(/anyOf/);
  });

  test('throws on an object that allows unknown properties besides its own', () => {
    const schema = z.object({ loose: z.object({ a: z.string().max(3).describe('a') }).loose().describe('loose') }).describe('root');
    expect(() => crdSchemaFor(schema, 'Thing')).toThrow(/cannot also allow other properties/);
  });

  test('inlines $ref and single-$ref allOf, and drops what a CRD has no use for', () => {
    const emitted: JsonSchema = {
      $schema: 'http://json-schema.org/draft-04/schema#',
      type: 'object',
      description: 'root',
      properties: {
        a: { $ref: '#/definitions/thing', description: 'a' },
        b: { allOf: [{ $ref: '#/definitions/thing' }], description: 'b' },
        n: { type: 'integer', minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER, description: 'n' },
        closed: { type: 'object', properties: {}, additionalProperties: false, description: 'closed' },
      },
      definitions: { thing: { type: 'string', maxLength: 3, description: 'thing' } },
    };
    expect(toStructuralSchema(emitted)).toEqual({
      type: 'object',
      description: 'root',
      properties: {
        a: { type: 'string', maxLength: 3, description: 'a' },
        b: { type: 'string', maxLength: 3, description: 'b' },
        closed: { type: 'object', properties: {}, description: 'closed' },
        n: { type: 'integer', description: 'n' },
      },
    });
  });

  test('reports what is not structural', () => {
    const problems = structuralProblems({
      type: 'object',
      properties: {
        bare: { type: 'string', maxLength: 1 },
        both: { type: 'object', description: 'both', properties: {}, additionalProperties: { type: 'string', maxLength: 1 } },
        untyped: { description: 'untyped' },
        list: { type: 'array', description: 'list', items: { type: 'string', maxLength: 1 } },
      },
    });
    expect(problems).toEqual([
      '.bare: no description',
      '.both: additionalProperties beside properties',
      '.untyped: no type',
      '.list: array without maxItems',
    ]);
  });
});

describe('generated files', () => {
  const files = generatedCrdFiles();

  const crdFiles = files.filter((file) => file.fileName !== ADMISSION_POLICY_FILE);

  test('one file per kind, named <group>_<plural>.yaml, and the admission policy, marked as generated', () => {
    expect(files.map((file) => file.fileName)).toEqual([
      'drm.dtf.io_orchestratedtasks.yaml',
      'drm.dtf.io_subtasks.yaml',
      'drm.dtf.io_workerpools.yaml',
      'drm.dtf.io_admission-policy.yaml',
    ]);
    for (const file of files) {
      expect(file.content.startsWith(GENERATED_HEADER)).toBe(true);
      expect(GENERATED_HEADER).toContain('npm run generate');
      expect(GENERATED_HEADER).toContain('do not edit');
    }
  });

  test('parse back to the CRD objects, with no YAML anchors', () => {
    crdFiles.forEach((file, index) => {
      expect(parse(file.content)).toEqual(JSON.parse(JSON.stringify(crds[index])));
      expect(file.content).not.toMatch(/[&*]a\d+\b/);
    });
  });

  test('the admission policy file holds the policy and its cluster-wide binding', () => {
    const policyFile = files.find((file) => file.fileName === ADMISSION_POLICY_FILE)!;
    const documents = parseAllDocuments(policyFile.content).map((document) => document.toJS() as unknown);
    expect(documents).toEqual(JSON.parse(JSON.stringify(buildAdmissionPolicy())));
    expect(documents.map((document) => (document as { kind: string }).kind)).toEqual([
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
    ]);
  });

  test('are the same on every run', () => {
    expect(generatedCrdFiles()).toEqual(files);
  });
});
