/**
 * Resolves CloudFormation intrinsic functions against local names.
 *
 * Supported: Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If, Fn::Base64,
 * Fn::Equals/And/Or/Not (in Conditions) and the pseudo parameters. Anything else is an error
 * that names the function and where it was found.
 */

export class IntrinsicError extends Error {
  public readonly name = 'IntrinsicError';
}

/** Marks a value removed by `{ Ref: 'AWS::NoValue' }`. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

export interface ResolveScope {
  /** Value of `{ Ref: logicalId }` for a resource or parameter, or undefined if unknown. */
  ref(logicalId: string): string | undefined;
  /** Value of `{ 'Fn::GetAtt': [logicalId, attribute] }`, or undefined if unknown. */
  getAtt(logicalId: string, attribute: string): string | undefined;
  /** Value of a named condition. */
  condition(name: string): boolean;
  /** AWS::Region, AWS::AccountId, AWS::Partition, AWS::URLSuffix, AWS::StackName, AWS::StackId. */
  readonly pseudo: Readonly<Record<string, string>>;
}

type Json = unknown;

export function isIntrinsic(value: Json): value is Record<string, Json> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0].startsWith('Fn::'));
}

/** Resolves every intrinsic inside `value`. `where` is used in error messages. */
export function resolveValue(value: Json, scope: ResolveScope, where: string): Json {
  if (Array.isArray(value)) {
    return value.map((v, i) => resolveValue(v, scope, `${where}[${i}]`)).filter((v) => v !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  if (isIntrinsic(value)) return resolveIntrinsic(value, scope, where);
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value)) {
    const r = resolveValue(v, scope, `${where}.${k}`);
    if (r !== NO_VALUE) out[k] = r;
  }
  return out;
}

/** Resolves `value` and requires a string result. */
export function resolveString(value: Json, scope: ResolveScope, where: string): string {
  const r = resolveValue(value, scope, where);
  if (typeof r === 'string') return r;
  if (typeof r === 'number' || typeof r === 'boolean') return String(r);
  throw new IntrinsicError(`${where}: expected a string, got ${JSON.stringify(r)}`);
}

export function evaluateCondition(expr: Json, scope: ResolveScope, where: string): boolean {
  if (typeof expr === 'boolean') return expr;
  if (!isIntrinsic(expr)) throw new IntrinsicError(`${where}: not a condition: ${JSON.stringify(expr)}`);
  const [fn, arg] = Object.entries(expr)[0];
  const args = Array.isArray(arg) ? arg : [arg];
  switch (fn) {
    case 'Condition':
      return scope.condition(String(arg));
    case 'Fn::Equals': {
      const [a, b] = args.map((x, i) => resolveValue(x, scope, `${where}.Fn::Equals[${i}]`));
      return JSON.stringify(a) === JSON.stringify(b);
    }
    case 'Fn::And':
      return args.every((x, i) => evaluateCondition(x, scope, `${where}.Fn::And[${i}]`));
    case 'Fn::Or':
      return args.some((x, i) => evaluateCondition(x, scope, `${where}.Fn::Or[${i}]`));
    case 'Fn::Not':
      return !evaluateCondition(args[0], scope, `${where}.Fn::Not`);
    default:
      throw new IntrinsicError(`${where}: ${fn} is not a condition function`);
  }
}

function resolveIntrinsic(expr: Record<string, Json>, scope: ResolveScope, where: string): Json {
  const [fn, arg] = Object.entries(expr)[0];
  const at = `${where}.${fn}`;
  switch (fn) {
    case 'Ref':
      return resolveRef(String(arg), scope, at);
    case 'Fn::GetAtt':
      return resolveGetAtt(arg, scope, at);
    case 'Fn::Join': {
      const [sep, parts] = expectArray(arg, 2, at);
      const list = resolveValue(parts, scope, `${at}[1]`);
      if (!Array.isArray(list)) throw new IntrinsicError(`${at}: the second argument must be a list`);
      return list.map((p) => stringify(p, at)).join(String(sep));
    }
    case 'Fn::Sub':
      return resolveSub(arg, scope, at);
    case 'Fn::Select': {
      const [index, list] = expectArray(arg, 2, at);
      const items = resolveValue(list, scope, `${at}[1]`);
      const i = Number(resolveValue(index, scope, `${at}[0]`));
      if (!Array.isArray(items) || !Number.isInteger(i) || i < 0 || i >= items.length) {
        throw new IntrinsicError(`${at}: index ${i} is out of range`);
      }
      return items[i];
    }
    case 'Fn::Split': {
      const [sep, source] = expectArray(arg, 2, at);
      return resolveString(source, scope, `${at}[1]`).split(String(sep));
    }
    case 'Fn::If': {
      const [cond, whenTrue, whenFalse] = expectArray(arg, 3, at);
      return scope.condition(String(cond))
        ? resolveValue(whenTrue, scope, `${at}[1]`)
        : resolveValue(whenFalse, scope, `${at}[2]`);
    }
    case 'Fn::Base64':
      return Buffer.from(resolveString(arg, scope, at)).toString('base64');
    default:
      throw new IntrinsicError(`${where}: ${fn} is not supported by the local run`);
  }
}

function resolveRef(name: string, scope: ResolveScope, where: string): Json {
  if (name === 'AWS::NoValue') return NO_VALUE;
  if (name === 'AWS::NotificationARNs') return [];
  if (name.startsWith('AWS::')) {
    const v = scope.pseudo[name];
    if (v === undefined) throw new IntrinsicError(`${where}: unknown pseudo parameter ${name}`);
    return v;
  }
  const v = scope.ref(name);
  if (v === undefined) throw new IntrinsicError(`${where}: Ref to unknown resource or parameter ${name}`);
  return v;
}

function resolveGetAtt(arg: Json, scope: ResolveScope, where: string): string {
  let logicalId: string;
  let attribute: string;
  if (typeof arg === 'string') {
    const dot = arg.indexOf('.');
    logicalId = arg.slice(0, dot);
    attribute = arg.slice(dot + 1);
  } else {
    const [id, attr] = expectArray(arg, 2, where);
    logicalId = String(id);
    attribute = resolveString(attr, scope, where);
  }
  const v = scope.getAtt(logicalId, attribute);
  if (v === undefined) throw new IntrinsicError(`${where}: ${logicalId}.${attribute} is not known locally`);
  return v;
}

function resolveSub(arg: Json, scope: ResolveScope, where: string): string {
  let text: string;
  let vars: Record<string, Json> = {};
  if (typeof arg === 'string') {
    text = arg;
  } else {
    const [t, v] = expectArray(arg, 2, where);
    text = String(t);
    vars = (v ?? {}) as Record<string, Json>;
  }
  return text.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (name in vars) return resolveString(vars[name], scope, `${where}.${name}`);
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::')) {
      return resolveGetAtt(name, scope, where);
    }
    const r = resolveRef(name, scope, where);
    if (typeof r !== 'string') throw new IntrinsicError(`${where}: cannot substitute ${whole}`);
    return r;
  });
}

function expectArray(arg: Json, length: number, where: string): Json[] {
  if (!Array.isArray(arg) || arg.length < length) {
    throw new IntrinsicError(`${where}: expected a list of ${length} arguments, got ${JSON.stringify(arg)}`);
  }
  return arg;
}

function stringify(value: Json, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new IntrinsicError(`${where}: cannot join ${JSON.stringify(value)}`);
}
