/**
 * The JSONPath that mapping templates use in `$input.json()`, `$input.path()` and response
 * parameters (`integration.response.body.$.a.b`): `$`, `.name`, `['name']`, `[n]`, `[*]`, `.*`
 * and `.length()`. Anything else (filters, slices, `..`) throws, naming the path: the local API
 * does not guess what API Gateway's JSONPath (Jayway) would return.
 */

export class JsonPathError extends Error {
  public readonly name = 'JsonPathError';
}

type Step = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'all' } | { kind: 'length' };

const cache = new Map<string, Step[]>();

export function parseJsonPath(path: string): Step[] {
  const hit = cache.get(path);
  if (hit) return hit;
  const text = path.trim();
  if (!text.startsWith('$')) throw new JsonPathError(`JSONPath ${path} does not start with $`);
  const steps: Step[] = [];
  let i = 1;
  while (i < text.length) {
    const rest = text.slice(i);
    let m: RegExpExecArray | null;
    if (rest.startsWith('..')) throw new JsonPathError(`JSONPath ${path}: deep scan (..) is not supported locally`);
    if ((m = /^\.length\(\)/.exec(rest))) steps.push({ kind: 'length' });
    else if ((m = /^\.\*/.exec(rest)) || (m = /^\[\*\]/.exec(rest))) steps.push({ kind: 'all' });
    else if ((m = /^\.([^.[\]()]+)/.exec(rest))) steps.push({ kind: 'key', key: m[1] });
    else if ((m = /^\[(-?\d+)\]/.exec(rest))) steps.push({ kind: 'index', index: Number(m[1]) });
    else if ((m = /^\['((?:[^'\\]|\\.)*)'\]/.exec(rest)) || (m = /^\["((?:[^"\\]|\\.)*)"\]/.exec(rest))) {
      steps.push({ kind: 'key', key: m[1].replace(/\\(.)/g, '$1') });
    } else throw new JsonPathError(`JSONPath ${path}: "${rest}" is not supported locally`);
    i += m[0].length;
  }
  cache.set(path, steps);
  return steps;
}

/** The value at `path`, or undefined where it leads nowhere. `[*]` and `.*` give lists. */
export function evaluateJsonPath(root: unknown, path: string): unknown {
  let values: unknown[] = [root];
  let many = false;
  for (const step of parseJsonPath(path)) {
    const next: unknown[] = [];
    for (const v of values) {
      if (step.kind === 'key') {
        if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, step.key)) {
          next.push((v as Record<string, unknown>)[step.key]);
        }
      } else if (step.kind === 'index') {
        if (Array.isArray(v)) {
          const at = step.index < 0 ? v.length + step.index : step.index;
          if (at >= 0 && at < v.length) next.push(v[at]);
        }
      } else if (step.kind === 'all') {
        if (Array.isArray(v)) next.push(...v);
        else if (v !== null && typeof v === 'object') next.push(...Object.values(v));
        many = true;
      } else if (Array.isArray(v) || typeof v === 'string') next.push(v.length);
      else if (v !== null && typeof v === 'object') next.push(Object.keys(v).length);
    }
    values = next;
  }
  return many ? values : values[0];
}
