// Turns the OpenAPI 3.0 JSON Schema that zod emits into a structural schema, the subset the
// API server accepts in a CRD (every node typed, no refs, anyOf only for int-or-string, no
// additionalProperties beside properties), and checks the result. Pure functions, no I/O.

export type JsonSchema = { [keyword: string]: unknown };

const INT_OR_STRING = 'x-kubernetes-int-or-string';
const PRESERVE_UNKNOWN_FIELDS = 'x-kubernetes-preserve-unknown-fields';
const VALIDATIONS = 'x-kubernetes-validations';

/** Keywords zod may emit that a CRD schema has no use for (or does not allow). */
const DROPPED_KEYWORDS = new Set(['$schema', '$id', 'id', 'definitions', '$defs', 'title', 'examples', 'propertyNames']);

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pathLabel(path: readonly string[]): string {
  return path.length === 0 ? '<root>' : path.join('');
}

/** Object keys in alphabetical order, so the output does not depend on how the schemas were written. */
function sortedKeys(schema: JsonSchema): JsonSchema {
  const sorted: JsonSchema = {};
  for (const key of Object.keys(schema).sort()) sorted[key] = schema[key];
  return sorted;
}

function resolveRef(ref: string, root: JsonSchema, path: readonly string[]): JsonSchema {
  const match = /^#\/(definitions|\$defs)\/(.+)$/.exec(ref);
  const definitions = match ? root[match[1] as string] : undefined;
  const target = isSchema(definitions) && match ? definitions[match[2] as string] : undefined;
  if (!isSchema(target)) throw new Error(`${pathLabel(path)}: cannot resolve ${ref}`);
  return target;
}

/** `$ref` and the single-`$ref` `allOf` zod emits for reused schemas, replaced by the target with the node's own keywords on top. */
function inlineRefs(node: JsonSchema, root: JsonSchema, path: readonly string[], resolving: ReadonlySet<string>): JsonSchema {
  let ref: string | undefined;
  let rest: JsonSchema = node;
  if (typeof node.$ref === 'string') {
    const { $ref, ...others } = node;
    ref = $ref as string;
    rest = others;
  } else if (Array.isArray(node.allOf) && node.allOf.length === 1 && isSchema(node.allOf[0]) && typeof node.allOf[0].$ref === 'string') {
    const { allOf: _allOf, ...others } = node;
    ref = node.allOf[0].$ref as string;
    rest = others;
  }
  if (ref === undefined) return node;
  if (resolving.has(ref)) throw new Error(`${pathLabel(path)}: recursive schema ${ref} cannot be inlined into a CRD`);
  const target = inlineRefs(resolveRef(ref, root, path), root, path, new Set([...resolving, ref]));
  return { ...target, ...rest };
}

function withoutHugeIntegerBounds(node: JsonSchema): JsonSchema {
  // z.int() adds ±Number.MAX_SAFE_INTEGER; an int64 field needs no such bound.
  const result = { ...node };
  if (result.minimum === -Number.MAX_SAFE_INTEGER) delete result.minimum;
  if (result.maximum === Number.MAX_SAFE_INTEGER) delete result.maximum;
  return result;
}

/**
 * A union of an integer and a string marked int-or-string becomes the one anyOf form a
 * structural schema allows; the branches' own checks move to the node, where they apply only
 * to values of their type (pattern and maxLength to strings, minimum and maximum to numbers).
 */
function intOrString(node: JsonSchema, path: readonly string[]): JsonSchema {
  const branches = Array.isArray(node.anyOf) ? node.anyOf.filter(isSchema) : [];
  const integer = branches.find((branch) => branch.type === 'integer');
  const string = branches.find((branch) => branch.type === 'string');
  if (branches.length !== 2 || !integer || !string) {
    throw new Error(`${pathLabel(path)}: ${INT_OR_STRING} needs exactly an integer and a string branch`);
  }
  const { anyOf: _anyOf, ...rest } = node;
  const { type: _integerType, ...integerChecks } = withoutHugeIntegerBounds(integer);
  const { type: _stringType, ...stringChecks } = string;
  return { ...rest, ...integerChecks, ...stringChecks, anyOf: [{ type: 'integer' }, { type: 'string' }] };
}

/** Free-form JSON: the API server keeps whatever it holds, so no properties or additionalProperties. */
function freeForm(node: JsonSchema): JsonSchema {
  const { properties: _properties, additionalProperties: _additionalProperties, required: _required, ...rest } = node;
  return rest;
}

function convertNode(input: JsonSchema, root: JsonSchema, path: readonly string[]): JsonSchema {
  let node = inlineRefs(input, root, path, new Set());
  node = Object.fromEntries(Object.entries(node).filter(([key]) => !DROPPED_KEYWORDS.has(key)));

  if (node[INT_OR_STRING] === true) return sortedKeys(intOrString(node, path));
  if (node.anyOf !== undefined || node.oneOf !== undefined || node.allOf !== undefined || node.not !== undefined) {
    throw new Error(`${pathLabel(path)}: anyOf/oneOf/allOf/not are only allowed for int-or-string in a structural schema`);
  }

  node = withoutHugeIntegerBounds(node);
  if (node.format === 'date-time') delete node.pattern; // the API server checks the format itself
  if (node[PRESERVE_UNKNOWN_FIELDS] === true) node = freeForm(node);

  if (node.additionalProperties === false) delete node.additionalProperties;
  if (isSchema(node.properties) && node.additionalProperties !== undefined) {
    throw new Error(`${pathLabel(path)}: an object with properties cannot also allow other properties; use a free-form field instead`);
  }

  if (isSchema(node.properties)) {
    const properties: JsonSchema = {};
    for (const name of Object.keys(node.properties).sort()) {
      const property = node.properties[name];
      if (!isSchema(property)) throw new Error(`${pathLabel([...path, `.${name}`])}: not a schema`);
      properties[name] = convertNode(property, root, [...path, `.${name}`]);
    }
    node.properties = properties;
  }
  if (isSchema(node.items)) node.items = convertNode(node.items, root, [...path, '[*]']);
  if (isSchema(node.additionalProperties)) node.additionalProperties = convertNode(node.additionalProperties, root, [...path, '[*]']);
  return sortedKeys(node);
}

/** The structural form of a schema zod emitted with `target: 'openapi-3.0', io: 'input'`. */
export function toStructuralSchema(schema: JsonSchema): JsonSchema {
  return convertNode(schema, schema, []);
}

export interface StructuralCheckOptions {
  /** Property paths (as reported, e.g. `.metadata`) that need no description. */
  undescribedAllowed?: readonly string[];
  /** Paths of strings that need no maxLength (apiVersion and kind, which the API server checks). */
  unboundedAllowed?: readonly string[];
}

/** Everything wrong with a schema as a CRD schema; empty when it is structural and fully described. */
export function structuralProblems(schema: JsonSchema, options: StructuralCheckOptions = {}): string[] {
  const problems: string[] = [];
  const undescribedAllowed = new Set(options.undescribedAllowed ?? []);
  const unboundedAllowed = new Set(options.unboundedAllowed ?? []);

  const visit = (node: JsonSchema, path: readonly string[], isProperty: boolean): void => {
    const where = pathLabel(path);
    const freeForm = node[PRESERVE_UNKNOWN_FIELDS] === true;
    const intOrStringNode = node[INT_OR_STRING] === true;
    if (isProperty && !undescribedAllowed.has(path.join('')) && (typeof node.description !== 'string' || node.description.trim() === '')) {
      problems.push(`${where}: no description`);
    }
    if (typeof node.type !== 'string' && !freeForm && !intOrStringNode) problems.push(`${where}: no type`);
    for (const keyword of ['$ref', '$schema', 'definitions', '$defs', 'oneOf', 'allOf', 'not', 'propertyNames']) {
      if (node[keyword] !== undefined) problems.push(`${where}: ${keyword} is not allowed`);
    }
    if (node.anyOf !== undefined && !intOrStringNode) problems.push(`${where}: anyOf outside int-or-string`);
    if (node.properties !== undefined && node.additionalProperties !== undefined) problems.push(`${where}: additionalProperties beside properties`);
    if (node.additionalProperties === false || node.additionalProperties === true) problems.push(`${where}: additionalProperties must be a schema`);
    if (node.minimum === -Number.MAX_SAFE_INTEGER || node.maximum === Number.MAX_SAFE_INTEGER) problems.push(`${where}: leftover safe-integer bound`);
    const bounded = node.maxLength !== undefined || node.enum !== undefined || node.format !== undefined;
    if (node.type === 'string' && !bounded && !unboundedAllowed.has(path.join(''))) {
      problems.push(`${where}: string without maxLength`);
    }
    if (node.type === 'array' && node.maxItems === undefined) problems.push(`${where}: array without maxItems`);

    const validations = node[VALIDATIONS];
    if (validations !== undefined) {
      if (!Array.isArray(validations)) problems.push(`${where}: ${VALIDATIONS} must be a list`);
      else {
        for (const validation of validations) {
          if (!isSchema(validation) || typeof validation.rule !== 'string' || typeof validation.message !== 'string' || validation.message === '') {
            problems.push(`${where}: every validation needs a rule and a message`);
          }
        }
      }
    }

    if (node['x-kubernetes-list-type'] === 'map') {
      const keys = node['x-kubernetes-list-map-keys'];
      const item = isSchema(node.items) ? node.items : {};
      const required = Array.isArray(item.required) ? item.required : [];
      const itemProperties = isSchema(item.properties) ? item.properties : {};
      if (!Array.isArray(keys) || keys.length === 0) problems.push(`${where}: list-type map without list-map-keys`);
      else {
        for (const key of keys) {
          const keySchema = itemProperties[key as string];
          if (!required.includes(key) && !(isSchema(keySchema) && keySchema.default !== undefined)) {
            problems.push(`${where}: list-map key ${String(key)} must be required or defaulted`);
          }
        }
      }
    }

    if (isSchema(node.properties)) {
      for (const [name, property] of Object.entries(node.properties)) {
        if (isSchema(property)) visit(property, [...path, `.${name}`], true);
      }
    }
    if (isSchema(node.items)) visit(node.items, [...path, '[*]'], false);
    if (isSchema(node.additionalProperties)) visit(node.additionalProperties, [...path, '[*]'], false);
  };

  visit(schema, [], false);
  return problems;
}
