import { render } from 'velocityjs';

/**
 * Renders an API Gateway mapping template with velocityjs and the few parts of
 * `$input`, `$util`, `$context` and `$stageVariables` the Events API's
 * templates use, emulated as API Gateway (Java) behaves:
 * - `$util.escapeJavaScript` escapes as Apache Commons `StringEscapeUtils`
 *   does (`'` too, and non-ASCII as `\uXXXX`), and a string's `replaceAll`
 *   takes a Java regular expression;
 * - `$util.urlEncode` is Java's `URLEncoder` (space as `+`, `*` kept);
 * - `$input.path` and `$input.json` read `$`, `$.a.b` and `$[i]` paths only.
 */
export interface VtlInput {
  /** The request (or integration response) body, as received. */
  readonly body?: string;
  readonly path?: Record<string, string>;
  readonly querystring?: Record<string, string>;
  readonly header?: Record<string, string>;
  readonly stageVariables?: Record<string, string>;
  /** Extra `$context` fields, such as `error`. */
  readonly context?: Record<string, unknown>;
}

export interface VtlOutput {
  readonly output: string;
  /** `$context.responseOverride.status`, when the template set it. */
  readonly status?: number;
}

/** Java's `String.replaceAll`: the pattern is a regular expression (JavaScript's takes it literally). */
const javaReplaceAll = {
  uid: 'java: String.replaceAll',
  match: ({ property, context }: { property: string; context: unknown }) => property === 'replaceAll' && typeof context === 'string',
  resolve: ({ context, params }: { context: string; params: string[] }) => context.replace(new RegExp(params[0], 'g'), params[1]),
};

/** Apache Commons Lang `StringEscapeUtils.escapeJavaScript`. */
export function escapeJavaScript(value: string): string {
  let out = '';
  for (const ch of value.split('')) {
    const code = ch.charCodeAt(0);
    const hex = code.toString(16).toUpperCase().padStart(4, '0');
    if (code > 0x7f) out += `\\u${hex}`;
    else if (code < 0x20) out += ({ '\b': '\\b', '\n': '\\n', '\t': '\\t', '\f': '\\f', '\r': '\\r' } as Record<string, string>)[ch] ?? `\\u${hex}`;
    else if (ch === "'" || ch === '"' || ch === '\\' || ch === '/') out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

/** Java's `URLEncoder.encode(value, "UTF-8")`. */
export function urlEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

function select(document: unknown, path: string): unknown {
  if (!path.startsWith('$')) throw new Error(`unsupported JSONPath ${path}`);
  const steps = [...path.slice(1).matchAll(/\.([A-Za-z_][\w]*)|\[(\d+)\]/g)].map((m) => m[1] ?? Number(m[2]));
  return steps.reduce<unknown>((node, step) => (node == null ? undefined : (node as Record<string | number, unknown>)[step]), document);
}

export function renderVtl(template: string, input: VtlInput = {}): VtlOutput {
  const document = () => (input.body === undefined || input.body === '' ? {} : JSON.parse(input.body));
  const params = { path: { ...input.path }, querystring: { ...input.querystring }, header: { ...input.header } };
  const responseOverride: { status?: number; header: Record<string, string> } = { header: {} };
  const context = {
    $input: {
      body: input.body ?? '',
      // A missing path is left unset, as Velocity leaves a #set whose value is null
      path: (p: string) => select(document(), p) ?? undefined,
      json: (p: string) => JSON.stringify(select(document(), p) ?? null),
      params: (name?: string) => (name === undefined ? params : (params.path[name] ?? params.querystring[name] ?? params.header[name] ?? '')),
    },
    $util: {
      escapeJavaScript: (v: unknown) => (v == null ? v : escapeJavaScript(String(v))),
      urlEncode: (v: unknown) => (v == null ? v : urlEncode(String(v))),
      base64Encode: (v: string) => Buffer.from(v, 'utf8').toString('base64'),
      parseJson: (v: string) => JSON.parse(v),
    },
    $context: { requestId: 'req-1', responseOverride, ...input.context },
    $stageVariables: { ...input.stageVariables },
  };
  // velocityjs names context entries without their `$`
  const data = Object.fromEntries(Object.entries(context).map(([k, v]) => [k.slice(1), v]));
  const output = render(template, data, undefined, { customMethodHandlers: [javaReplaceAll] } as never);
  return { output, status: responseOverride.status };
}
