/**
 * Request body validation against an API's models, in JSON Schema draft 4 as API Gateway uses
 * (ajv-draft-04), with `$context.error.validationErrorString` worded as API Gateway words it
 * (its validator is Java's json-schema-validator: `[object has missing required properties
 * ([\"id\"])]`) as far as ajv's errors allow.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv-draft-04';

export interface ValidationOutcome {
  readonly valid: boolean;
  /** `[message, message]`, with the quotes inside escaped as on API Gateway. */
  readonly errorString: string;
}

/** The URL by which one model references another (`$ref`), as CDK's Model.referenceForModel writes it. */
export function modelUrl(apiId: string, modelName: string): string {
  return `https://apigateway.amazonaws.com/restapis/${apiId}/models/${modelName}`;
}

export class ModelValidator {
  private readonly ajv = new Ajv({ allErrors: true, verbose: true, strict: false, validateFormats: false });
  private readonly compiled = new Map<string, ValidateFunction>();

  /** Throws, naming the model, if a schema does not compile (an unknown `$ref`, a bad keyword). */
  constructor(apiId: string, models: Readonly<Record<string, unknown>>) {
    for (const [name, schema] of Object.entries(models)) {
      const { $schema: _ignored, ...rest } = schema as Record<string, unknown>;
      this.ajv.addSchema({ ...rest, id: modelUrl(apiId, name) }, modelUrl(apiId, name));
    }
    for (const name of Object.keys(models)) {
      try {
        this.compiled.set(name, this.ajv.getSchema(modelUrl(apiId, name))!);
      } catch (e) {
        throw new Error(`model ${name}: ${(e as Error).message}`, { cause: e });
      }
    }
  }

  has(model: string): boolean {
    return this.compiled.has(model);
  }

  validate(model: string, body: string): ValidationOutcome {
    const validate = this.compiled.get(model);
    if (!validate) throw new Error(`no model ${model}`);
    let value: unknown;
    try {
      value = body.trim() === '' ? {} : JSON.parse(body);
    } catch (e) {
      return { valid: false, errorString: errorString([`Invalid JSON: ${(e as Error).message}`]) };
    }
    if (validate(value)) return { valid: true, errorString: '' };
    return { valid: false, errorString: errorString(describeErrors(validate.errors ?? [])) };
  }
}

function errorString(messages: readonly string[]): string {
  return `[${messages.join(', ')}]`.replace(/"/g, '\\"');
}

/** ajv's errors in json-schema-validator's words: one message per failed keyword and instance. */
export function describeErrors(errors: readonly ErrorObject[]): string[] {
  // A failed anyOf/oneOf is one message, as json-schema-validator reports it; drop its branches' errors.
  const compound = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => `${e.schemaPath}/`);
  const kept = errors.filter((e) => !compound.some((prefix) => e.schemaPath.startsWith(prefix)));
  const messages: string[] = [];
  const grouped = new Map<string, { index: number; names: string[] }>();
  for (const e of kept) {
    const p = e.params as Record<string, unknown>;
    const group = e.keyword === 'required' ? 'missingProperty' : e.keyword === 'additionalProperties' ? 'additionalProperty' : undefined;
    if (group) {
      const key = `${e.keyword}\u0000${e.instancePath}`;
      let entry = grouped.get(key);
      if (!entry) {
        entry = { index: messages.length, names: [] };
        grouped.set(key, entry);
        messages.push('');
      }
      entry.names.push(String(p[group]));
      const names = `[${[...entry.names].sort().map((n) => JSON.stringify(n)).join(',')}]`;
      messages[entry.index] =
        e.keyword === 'required'
          ? `object has missing required properties (${names})`
          : `object instance has properties which are not allowed by the schema: ${names}`;
      continue;
    }
    messages.push(describe(e, p));
  }
  return messages;
}

function describe(e: ErrorObject, p: Record<string, unknown>): string {
  const v = e.data;
  const quoted = JSON.stringify(v);
  switch (e.keyword) {
    case 'type': {
      const allowed = (Array.isArray(p.type) ? p.type : String(p.type).split(',')).map((t) => JSON.stringify(t)).join(',');
      return `instance type (${typeName(v)}) does not match any allowed primitive type (allowed: [${allowed}])`;
    }
    case 'enum':
      return `instance value (${quoted}) not found in enum (possible values: ${JSON.stringify(p.allowedValues)})`;
    case 'minLength':
      return `string ${quoted} is too short (length: ${[...String(v)].length}, required minimum: ${String(p.limit)})`;
    case 'maxLength':
      return `string ${quoted} is too long (length: ${[...String(v)].length}, maximum allowed: ${String(p.limit)})`;
    case 'pattern':
      return `ECMA 262 regex ${JSON.stringify(p.pattern)} does not match input string ${quoted}`;
    case 'minimum':
      return p.comparison === '>'
        ? `numeric instance is not strictly greater than the required minimum ${String(p.limit)}`
        : `numeric instance is lower than the required minimum (minimum: ${String(p.limit)}, found: ${String(v)})`;
    case 'maximum':
      return p.comparison === '<'
        ? `numeric instance is not strictly lower than the required maximum ${String(p.limit)}`
        : `numeric instance is greater than the required maximum (maximum: ${String(p.limit)}, found: ${String(v)})`;
    case 'multipleOf':
      return `remainder of division is not zero (${String(v)} / ${String(p.multipleOf)})`;
    case 'minItems':
      return `array is too short: must have at least ${String(p.limit)} elements but instance has ${(v as unknown[]).length} elements`;
    case 'maxItems':
      return `array is too long: must have at most ${String(p.limit)} elements but instance has ${(v as unknown[]).length} elements`;
    case 'uniqueItems':
      return 'array must not contain duplicate elements';
    case 'minProperties':
      return `object has too few properties (found ${Object.keys(v as object).length}, required minimum: ${String(p.limit)})`;
    case 'maxProperties':
      return `object has too many properties (found ${Object.keys(v as object).length}, maximum allowed: ${String(p.limit)})`;
    case 'anyOf':
      return `instance failed to match at least one required schema among ${countBranches(e)}`;
    case 'oneOf': {
      const passing = p.passingSchemas;
      const matched = Array.isArray(passing) ? passing.length : passing === null || passing === undefined ? 0 : 1;
      return `instance failed to match exactly one schema (matched ${matched} out of ${countBranches(e)})`;
    }
    case 'not':
      return 'instance matched a schema which it should not have';
    default:
      return `${e.instancePath || '/'} ${e.message ?? e.keyword}`;
  }
}

function countBranches(e: ErrorObject): number | string {
  const branches = e.parentSchema?.[e.keyword];
  return Array.isArray(branches) ? branches.length : '?';
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}
