/**
 * API Gateway's mapping templates on velocityjs: `$input`, `$util`, `$context` and
 * `$stageVariables` as API Gateway defines them, and the Java methods templates call on strings,
 * lists and maps (`$s.length()`, `$s.replaceAll(...)`, `$list.isEmpty()`...). References that
 * resolve to nothing render as nothing, as on API Gateway.
 */
import { Compile, parse } from 'velocityjs';
import { evaluateJsonPath } from './json-path';

/** `$input.json()` or `$input.path()` on a body that is not JSON. */
export class BodyParseError extends Error {
  public readonly name = 'BodyParseError';
}

export interface MethodParams {
  readonly path: Record<string, string>;
  readonly querystring: Record<string, string>;
  /** Header names as the client sent them. */
  readonly header: Record<string, string>;
}

export interface TemplateInput {
  /** The payload: the method request's body, or the integration's answer in a response template. */
  readonly body: string;
  readonly params: MethodParams;
  readonly context: Record<string, unknown>;
  readonly stageVariables: Record<string, string>;
}

/** `$input`: body, json(path), path(path), params(), params(name). */
export function inputVariable(body: string, params: MethodParams): Record<string, unknown> {
  let parsed: { value: unknown } | undefined;
  const payload = (): unknown => {
    if (!parsed) {
      if (body.trim() === '') parsed = { value: {} };
      else {
        try {
          parsed = { value: JSON.parse(body) };
        } catch (e) {
          throw new BodyParseError(`Could not parse request body into json: ${(e as Error).message}`);
        }
      }
    }
    return parsed.value;
  };
  return {
    body,
    json: (path: string) => {
      const value = evaluateJsonPath(payload(), String(path));
      return value === undefined ? '' : JSON.stringify(value);
    },
    path: (path: string) => evaluateJsonPath(payload(), String(path)),
    params: (name?: string) => {
      if (name === undefined) return params;
      const key = String(name);
      if (key in params.path) return params.path[key];
      if (key in params.querystring) return params.querystring[key];
      const header = Object.keys(params.header).find((h) => h.toLowerCase() === key.toLowerCase());
      return header === undefined ? '' : params.header[header];
    },
  };
}

/**
 * `$util.escapeJavaScript`: Apache Commons Lang's StringEscapeUtils.escapeJavaScript, which API
 * Gateway uses: `'` becomes `\'` (not valid in JSON), `/` becomes `\/`, and every character
 * outside ASCII becomes a `\uXXXX` escape (upper-case hex, per UTF-16 unit).
 */
export function escapeJavaScript(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const ch = text[i];
    if (code > 0x7f) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else if (code < 32) out += CONTROL_ESCAPES[ch] ?? `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else if (ch === "'" || ch === '"' || ch === '\\' || ch === '/') out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

const CONTROL_ESCAPES: Readonly<Record<string, string>> = { '\b': '\\b', '\n': '\\n', '\t': '\\t', '\f': '\\f', '\r': '\\r' };

/** `$util.urlEncode`: Java's URLEncoder in UTF-8 (space as `+`; only `A-Za-z0-9.-*_` left as they are). */
export function urlEncode(value: unknown): string {
  return encodeURIComponent(String(value ?? ''))
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** `$util.urlDecode`: Java's URLDecoder in UTF-8 (`+` is a space). */
export function urlDecode(value: unknown): string {
  return decodeURIComponent(String(value ?? '').replace(/\+/g, ' '));
}

export const UTIL: Readonly<Record<string, (value: unknown) => unknown>> = {
  escapeJavaScript,
  urlEncode,
  urlDecode,
  base64Encode: (value) => Buffer.from(String(value ?? ''), 'utf8').toString('base64'),
  base64Decode: (value) => {
    // Java's Base64 decoder, which API Gateway uses, refuses what Node's would skip over.
    const text = String(value ?? '');
    if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new Error(`$util.base64Decode: not base64: ${text.slice(0, 40)}`);
    return Buffer.from(text, 'base64').toString('utf8');
  },
  parseJson: (value) => JSON.parse(String(value)),
};

type Handler = NonNullable<ConstructorParameters<typeof Compile>[1]>['customMethodHandlers'];

/** Java methods of String, List and Map that JavaScript's objects lack or name differently. */
const JAVA_METHODS: Record<string, (self: unknown, params: unknown[]) => unknown> = {
  length: (s) => (typeof s === 'string' || Array.isArray(s) ? s.length : undefined),
  isEmpty: (s) =>
    typeof s === 'string' || Array.isArray(s) ? s.length === 0 : s && typeof s === 'object' ? Object.keys(s).length === 0 : undefined,
  equals: (s, [other]) => s === other,
  equalsIgnoreCase: (s, [other]) => typeof s === 'string' && typeof other === 'string' && s.toLowerCase() === other.toLowerCase(),
  contains: (s, [part]) => (typeof s === 'string' ? s.includes(String(part)) : Array.isArray(s) ? s.includes(part) : undefined),
  containsKey: (s, [key]) => (s && typeof s === 'object' ? Object.prototype.hasOwnProperty.call(s, String(key)) : undefined),
  matches: (s, [regex]) => (typeof s === 'string' ? new RegExp(`^(?:${String(regex)})$`).test(s) : undefined),
  replaceAll: (s, [regex, replacement]) => (typeof s === 'string' ? s.replace(new RegExp(String(regex), 'g'), String(replacement)) : undefined),
  replace: (s, [target, replacement]) => (typeof s === 'string' ? s.split(String(target)).join(String(replacement)) : undefined),
  split: (s, [regex]) => {
    if (typeof s !== 'string') return undefined;
    const parts = s.split(new RegExp(String(regex)));
    while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
    return parts;
  },
};

const HANDLERS: Handler = Object.entries(JAVA_METHODS).map(([name, fn]) => ({
  uid: `java: ${name}`,
  match: ({ property, context }) =>
    property === name &&
    (typeof context === 'string' || Array.isArray(context) || (context !== null && typeof context === 'object' && typeof context[name] !== 'function')),
  resolve: ({ context, params }) => fn(context, params),
}));

const compiled = new Map<string, Compile>();

/** Renders one mapping template. Throws BodyParseError, or whatever a template's call throws. */
export function renderTemplate(template: string, input: TemplateInput): string {
  let compile = compiled.get(template);
  if (!compile) {
    compile = new Compile(parse(template), { escape: false, customMethodHandlers: HANDLERS });
    compiled.set(template, compile);
  }
  return compile.render(
    {
      input: inputVariable(input.body, input.params),
      util: UTIL,
      context: input.context,
      stageVariables: input.stageVariables,
    },
    undefined,
    true,
  );
}
