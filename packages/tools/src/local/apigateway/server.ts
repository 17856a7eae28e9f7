/**
 * One REST API served on 127.0.0.1, as API Gateway serves it at
 * `https://{api}.execute-api.{region}.amazonaws.com/{stage}/...`: routing by resource path and
 * method, API keys checked against the usage plans, stage and usage plan throttling and quotas,
 * request validation, the integration request (mapping template, passthrough behaviour, request
 * parameters), the call to the service's emulator, and the integration response chosen by its
 * selection pattern. IAM authorization is not enforced.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AwsServices, IntegrationTimeout } from './aws-services';
import { type GatewayAnswer, type GatewayError, gatewayResponse, lookup } from './gateway-responses';
import { evaluateJsonPath } from './json-path';
import type { IntegrationResponsePlan, MethodPlan, ResourcePlan, RestApiPlan, StagePlan } from './plan';
import { Quota, type TokenBucket, bucketFor } from './throttle';
import { ModelValidator } from './validation';
import { BodyParseError, type MethodParams, renderTemplate } from './vtl';

/** API Gateway's payload limit. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export interface LocalApiKey {
  readonly logicalId: string;
  readonly id: string;
  readonly name: string;
  /** The template's Value, or one made up for this run. */
  readonly value: string;
  readonly enabled: boolean;
}

export interface ApiRequestStats {
  /** Requests answered, by status code. */
  readonly byStatus: Record<string, number>;
  /** Time to answer each request, in milliseconds, in the order answered. */
  readonly latenciesMs: number[];
}

class GatewayFailure extends Error {
  constructor(public readonly failure: GatewayError) {
    super(failure.type);
  }
}

interface Route {
  readonly resource: ResourcePlan;
  readonly method: MethodPlan;
  readonly pathParams: Record<string, string>;
}

export class LocalRestApi {
  readonly apiKeys: readonly LocalApiKey[];
  readonly stats: ApiRequestStats = { byStatus: {}, latenciesMs: [] };
  private readonly validator: ModelValidator;
  private readonly buckets = new Map<string, TokenBucket | undefined>();
  private readonly quotas = new Map<string, Quota | undefined>();
  private server?: Server;
  private port = 0;

  constructor(
    public readonly plan: RestApiPlan,
    private readonly services: AwsServices,
    private readonly env: { readonly region: string; readonly accountId: string },
  ) {
    this.validator = new ModelValidator(plan.id, plan.models);
    this.apiKeys = plan.apiKeys.map((k) => ({ ...k, value: k.value ?? makeUpKey() }));
  }

  get logicalId(): string {
    return this.plan.logicalId;
  }

  /** `http://127.0.0.1:{port}`: a stage's URL is this plus `/{stage}`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Each stage's URL, without a trailing slash, as the stage's invoke URL is used. */
  get stages(): { readonly name: string; readonly url: string }[] {
    return this.plan.stages.map((s) => ({ name: s.name, url: `${this.url}/${encodeURIComponent(s.name)}` }));
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    let answer: GatewayAnswer;
    try {
      answer = await this.handle(req, started);
    } catch (e) {
      console.error(`local API ${this.plan.logicalId}: ${(e as Error).stack ?? String(e)}`);
      answer = { status: 500, headers: { 'content-type': 'application/json' }, body: '{"message": "Internal server error"}' };
    }
    res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
    res.end(answer.body);
    this.stats.byStatus[answer.status] = (this.stats.byStatus[answer.status] ?? 0) + 1;
    this.stats.latenciesMs.push(Date.now() - started);
  }

  private async handle(req: IncomingMessage, started: number): Promise<GatewayAnswer> {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://local');
    const segments = url.pathname.split('/').slice(1);
    if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
    const stage = this.plan.stages.find((s) => s.name === safeDecode(segments[0] ?? ''));
    const params: MethodParams = { path: {}, querystring: Object.fromEntries(url.searchParams), header: rawHeaders(req) };
    const httpMethod = (req.method ?? 'GET').toUpperCase();
    const context = this.baseContext(req, url, httpMethod, requestId, started, stage);
    const stageVariables = stage?.variables ?? {};
    const ids = { 'x-amzn-requestid': requestId, 'x-amz-apigw-id': String(context.extendedRequestId) };
    const fail = (error: GatewayError): GatewayAnswer => {
      const answer = gatewayResponse(this.plan.gatewayResponses, error, { params, context, stageVariables });
      return { ...answer, headers: { ...answer.headers, ...ids } };
    };
    try {
      const route = stage && this.route(segments.slice(1), httpMethod);
      if (!stage || !route) return fail({ type: 'MISSING_AUTHENTICATION_TOKEN' });
      Object.assign(params.path, route.pathParams);
      Object.assign(context, { resourceId: route.resource.id, resourcePath: route.resource.path });
      const body = await readBody(req);
      this.throttleStage(stage, route);
      this.checkApiKey(stage, route, params, context);
      this.validate(route.method, params, body);
      const answer = await this.integrate(route.method, params, body, context, stageVariables);
      return { ...answer, headers: { ...answer.headers, ...ids } };
    } catch (e) {
      if (e instanceof GatewayFailure) return fail(e.failure);
      throw e;
    }
  }

  private route(segments: readonly string[], httpMethod: string): Route | undefined {
    let best: { route: Route; score: number } | undefined;
    for (const resource of this.plan.resources) {
      const parts = resource.path === '/' ? [] : resource.path.split('/').slice(1);
      const pathParams = matchPath(parts, segments);
      if (!pathParams) continue;
      const method = resource.methods.find((m) => m.httpMethod === httpMethod) ?? resource.methods.find((m) => m.httpMethod === 'ANY');
      if (!method) continue;
      const score = parts.reduce((n, p) => n + (p.startsWith('{') ? (p.endsWith('+}') ? 0 : 1) : 2), 0) * 2 + (method.httpMethod === 'ANY' ? 0 : 1);
      if (!best || score > best.score) best = { route: { resource, method, pathParams }, score };
    }
    return best?.route;
  }

  private throttleStage(stage: StagePlan, route: Route): void {
    const pointer = route.resource.path.replace(/~/g, '~0').replace(/\//g, '~1');
    const setting =
      stage.methodThrottles.find((t) => t.resourcePath === pointer && t.httpMethod === route.method.httpMethod) ??
      stage.methodThrottles.find((t) => t.resourcePath === '/*' && t.httpMethod === '*');
    if (!setting) return;
    const key = `stage ${stage.name} ${route.resource.path} ${route.method.httpMethod}`;
    if (!this.bucket(key, () => bucketFor(setting.throttle))) throw new GatewayFailure({ type: 'THROTTLED' });
  }

  private checkApiKey(stage: StagePlan, route: Route, params: MethodParams, context: Record<string, unknown>): void {
    if (!route.method.apiKeyRequired) return;
    const value = lookup(params.header, 'x-api-key', true);
    const key = value === undefined ? undefined : this.apiKeys.find((k) => k.enabled && k.value === value);
    const usagePlan =
      key &&
      this.plan.usagePlans.find((p) => p.keys.includes(key.logicalId) && p.stages.some((s) => s.apiId === this.plan.id && s.stage === stage.name));
    if (!key || !usagePlan) throw new GatewayFailure({ type: 'INVALID_API_KEY' });
    Object.assign(context.identity as object, { apiKey: key.value, apiKeyId: key.id });
    const apiStage = usagePlan.stages.find((s) => s.apiId === this.plan.id && s.stage === stage.name)!;
    const methodKey = `${route.resource.path}/${route.method.httpMethod}`;
    const throttle = apiStage.throttle[methodKey] ?? usagePlan.throttle;
    if (!this.bucket(`plan ${usagePlan.id} ${key.id} ${apiStage.throttle[methodKey] ? methodKey : ''}`, () => bucketFor(throttle))) {
      throw new GatewayFailure({ type: 'THROTTLED' });
    }
    const quotaKey = `${usagePlan.id} ${key.id}`;
    if (!this.quotas.has(quotaKey)) {
      this.quotas.set(quotaKey, usagePlan.quota ? new Quota(usagePlan.quota.limit, usagePlan.quota.period) : undefined);
    }
    if (this.quotas.get(quotaKey)?.take() === false) throw new GatewayFailure({ type: 'QUOTA_EXCEEDED' });
  }

  private bucket(key: string, make: () => TokenBucket | undefined): boolean {
    if (!this.buckets.has(key)) this.buckets.set(key, make());
    return this.buckets.get(key)?.take() ?? true;
  }

  private validate(method: MethodPlan, params: MethodParams, body: string): void {
    if (!method.validator) return;
    if (method.validator.parameters) {
      const missing = Object.entries(method.requestParameters)
        .filter(([, required]) => required)
        .map(([name]) => /^method\.request\.(?:multivalue)?(header|querystring|path)\.(.+)$/.exec(name))
        .filter((m): m is RegExpExecArray => m !== null && lookup(params[m[1] as keyof MethodParams], m[2], m[1] === 'header') === undefined)
        .map((m) => m[2]);
      if (missing.length > 0) {
        throw new GatewayFailure({ type: 'BAD_REQUEST_PARAMETERS', message: `Missing required request parameters: [${missing.join(', ')}]` });
      }
    }
    if (method.validator.body) {
      const type = contentType(params);
      const model = entryFor(method.requestModels, type) ?? method.requestModels.$default;
      if (model === undefined) return;
      const outcome = this.validator.validate(model, body);
      if (!outcome.valid) throw new GatewayFailure({ type: 'BAD_REQUEST_BODY', validationErrorString: outcome.errorString });
    }
  }

  private async integrate(
    method: MethodPlan,
    params: MethodParams,
    body: string,
    context: Record<string, unknown>,
    stageVariables: Record<string, string>,
  ): Promise<GatewayAnswer> {
    const integration = method.integration;
    const templates = integration.requestTemplates;
    const template = entryFor(templates, contentType(params));
    let payload: string;
    if (template !== undefined) payload = this.render(template, { body, params, context, stageVariables }, 'request');
    else if (integration.passthroughBehavior === 'WHEN_NO_MATCH' || (integration.passthroughBehavior === 'WHEN_NO_TEMPLATES' && Object.keys(templates).length === 0)) {
      payload = body;
    } else throw new GatewayFailure({ type: 'UNSUPPORTED_MEDIA_TYPE' });

    const mapped: Record<'header' | 'querystring' | 'path', Record<string, string>> = { header: {}, querystring: {}, path: {} };
    for (const [name, source] of Object.entries(integration.requestParameters)) {
      const m = /^integration\.request\.(header|querystring|path)\.(.+)$/.exec(name);
      const value = m ? requestParameter(source, params, body, context, stageVariables) : undefined;
      if (m && value !== undefined) mapped[m[1] as keyof typeof mapped][m[2]] = value;
    }
    const override = context.requestOverride as Record<'header' | 'querystring' | 'path', Record<string, string>>;
    for (const part of ['header', 'querystring', 'path'] as const) Object.assign(mapped[part], override[part]);

    let status: string;
    let answerBody = '';
    let answerHeaders: Record<string, string> = {};
    if (integration.type === 'MOCK') {
      let code: unknown;
      try {
        code = (JSON.parse(payload || '{}') as { statusCode?: unknown }).statusCode;
      } catch {
        code = undefined;
      }
      status = String(code ?? 200);
    } else {
      const headers = Object.fromEntries(Object.entries(mapped.header).map(([k, v]) => [k.toLowerCase(), v]));
      headers['content-type'] ??= lookup(params.header, 'content-type', true) ?? 'application/json';
      const target = { ...integration.target!, value: integration.target!.value.replace(/\{([^}]+)\}/g, (_, n: string) => mapped.path[n] ?? '') };
      try {
        const answer = await this.services.call({
          target,
          httpMethod: integration.httpMethod,
          headers,
          querystring: mapped.querystring,
          body: payload,
          timeoutMs: integration.timeoutMs,
        });
        status = String(answer.status);
        answerBody = answer.body;
        answerHeaders = answer.headers;
      } catch (e) {
        if (e instanceof IntegrationTimeout) throw new GatewayFailure({ type: 'INTEGRATION_TIMEOUT' });
        console.error(`local API ${this.plan.logicalId}: ${method.logicalId}: ${(e as Error).message}`);
        throw new GatewayFailure({ type: 'INTEGRATION_FAILURE' });
      }
    }
    const response = selectResponse(integration.responses, status);
    if (!response) {
      console.error(`local API ${this.plan.logicalId}: ${method.logicalId}: no integration response for status ${status} and no default`);
      throw new GatewayFailure({ type: 'API_CONFIGURATION_ERROR' });
    }
    return this.respond(response, { body: answerBody, headers: answerHeaders }, params, context, stageVariables);
  }

  private respond(
    response: IntegrationResponsePlan,
    answer: { body: string; headers: Record<string, string> },
    params: MethodParams,
    context: Record<string, unknown>,
    stageVariables: Record<string, string>,
  ): GatewayAnswer {
    const templates = response.responseTemplates;
    const accept = (lookup(params.header, 'accept', true) ?? '').split(',').map((a) => a.split(';')[0].trim().toLowerCase());
    const key =
      Object.keys(templates).find((k) => accept.includes(k.toLowerCase())) ??
      Object.keys(templates).find((k) => k.toLowerCase() === 'application/json') ??
      Object.keys(templates)[0];
    const body = key === undefined ? answer.body : this.render(templates[key], { body: answer.body, params, context, stageVariables }, 'response');
    const headers: Record<string, string> = { 'content-type': key ?? 'application/json' };
    for (const [name, source] of Object.entries(response.responseParameters)) {
      const header = /^method\.response\.header\.(.+)$/.exec(name)?.[1];
      const value = header ? responseParameter(source, answer, context, stageVariables) : undefined;
      if (header && value !== undefined) headers[header.toLowerCase()] = value;
    }
    const override = context.responseOverride as { status?: unknown; header: Record<string, string> };
    for (const [k, v] of Object.entries(override.header)) headers[k.toLowerCase()] = String(v);
    const status = override.status === undefined || override.status === '' ? Number(response.statusCode) : Number(override.status);
    return { status, headers, body };
  }

  private render(template: string, input: Parameters<typeof renderTemplate>[1], phase: 'request' | 'response'): string {
    try {
      return renderTemplate(template, input);
    } catch (e) {
      if (e instanceof BodyParseError && phase === 'request') throw new GatewayFailure({ type: 'BAD_REQUEST_BODY', message: e.message });
      console.error(`local API ${this.plan.logicalId}: the ${phase} template failed: ${(e as Error).message}`);
      throw new GatewayFailure({ type: 'API_CONFIGURATION_ERROR' });
    }
  }

  private baseContext(
    req: IncomingMessage,
    url: URL,
    httpMethod: string,
    requestId: string,
    started: number,
    stage: StagePlan | undefined,
  ): Record<string, unknown> {
    const host = req.headers.host ?? `127.0.0.1:${this.port}`;
    return {
      accountId: this.env.accountId,
      apiId: this.plan.id,
      domainName: host,
      domainPrefix: host.split('.')[0],
      extendedRequestId: randomBytes(10).toString('base64'),
      httpMethod,
      identity: {
        sourceIp: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
        userAgent: req.headers['user-agent'] ?? '',
        apiKey: '',
        apiKeyId: '',
        accountId: '',
        caller: '',
        user: '',
        userArn: '',
        accessKey: '',
        cognitoAuthenticationProvider: '',
        cognitoAuthenticationType: '',
        cognitoIdentityId: '',
        cognitoIdentityPoolId: '',
      },
      path: url.pathname,
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTime: requestTime(new Date(started)),
      requestTimeEpoch: started,
      resourceId: '',
      resourcePath: '',
      stage: stage?.name ?? '',
      error: {},
      requestOverride: { header: {}, querystring: {}, path: {} },
      responseOverride: { header: {} },
    };
  }
}

/** Path parameters if `parts` (`events`, `{id}`, `{proxy+}`) match the request's segments. */
export function matchPath(parts: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const greedy = /^\{(.+)\+\}$/.exec(part);
    if (greedy) {
      const rest = segments.slice(i);
      if (rest.length === 0 || rest.join('') === '') return undefined;
      out[greedy[1]] = rest.map(safeDecode).join('/');
      return out;
    }
    const segment = segments[i];
    if (segment === undefined || segment === '') return undefined;
    const param = /^\{(.+)\}$/.exec(part);
    if (param) out[param[1]] = safeDecode(segment);
    else if (part !== safeDecode(segment)) return undefined;
  }
  return parts.length === segments.length ? out : undefined;
}

/** The integration response whose selection pattern matches the whole status code, else the default one. */
export function selectResponse(responses: readonly IntegrationResponsePlan[], status: string): IntegrationResponsePlan | undefined {
  return (
    responses.find((r) => r.selectionPattern !== undefined && new RegExp(`^(?:${r.selectionPattern})$`, 's').test(status)) ??
    responses.find((r) => r.selectionPattern === undefined)
  );
}

function requestParameter(
  source: string,
  params: MethodParams,
  body: string,
  context: Record<string, unknown>,
  stageVariables: Record<string, string>,
): string | undefined {
  const literal = /^'(.*)'$/s.exec(source);
  if (literal) return literal[1];
  const m = /^method\.request\.(?:multivalue)?(header|querystring|path)\.(.+)$/.exec(source);
  if (m) return lookup(params[m[1] as keyof MethodParams], m[2], m[1] === 'header');
  if (source === 'method.request.body') return body;
  const b = /^method\.request\.body\.(\$.*)$/.exec(source);
  if (b) return jsonValue(body, b[1]);
  return contextValue(source, context, stageVariables);
}

function responseParameter(
  source: string,
  answer: { body: string; headers: Record<string, string> },
  context: Record<string, unknown>,
  stageVariables: Record<string, string>,
): string | undefined {
  const literal = /^'(.*)'$/s.exec(source);
  if (literal) return literal[1];
  const h = /^integration\.response\.(?:multivalue)?header\.(.+)$/.exec(source);
  if (h) return answer.headers[h[1].toLowerCase()];
  if (source === 'integration.response.body') return answer.body;
  const b = /^integration\.response\.body\.(\$.*)$/.exec(source);
  if (b) return jsonValue(answer.body, b[1]);
  return contextValue(source, context, stageVariables);
}

function contextValue(source: string, context: Record<string, unknown>, stageVariables: Record<string, string>): string | undefined {
  const s = /^stageVariables\.(.+)$/.exec(source);
  if (s) return stageVariables[s[1]];
  const c = /^context\.(.+)$/.exec(source);
  if (!c) return undefined;
  const value = c[1].split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), context);
  return value === undefined || value === null ? undefined : String(value);
}

function jsonValue(body: string, path: string): string | undefined {
  try {
    const value = evaluateJsonPath(JSON.parse(body), path);
    return value === undefined ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** The request's media type, lower case, without parameters; application/json when it has none, as API Gateway assumes. */
function contentType(params: MethodParams): string {
  return (lookup(params.header, 'content-type', true) ?? 'application/json').split(';')[0].trim().toLowerCase() || 'application/json';
}

function entryFor(map: Record<string, string>, mediaType: string): string | undefined {
  const key = Object.keys(map).find((k) => k.toLowerCase() === mediaType);
  return key === undefined ? undefined : map[key];
}

function rawHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    if (!Object.keys(out).some((k) => k.toLowerCase() === name.toLowerCase())) out[name] = req.rawHeaders[i + 1];
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(c);
    });
    req.on('end', () => (size > MAX_REQUEST_BYTES ? reject(new GatewayFailure({ type: 'REQUEST_TOO_LARGE' })) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `$context.requestTime`: `01/Dec/2026:09:15:22 +0000`. */
function requestTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A 40-character value like the ones API Gateway generates. */
function makeUpKey(): string {
  return [...randomBytes(40)].map((b) => KEY_ALPHABET[b % KEY_ALPHABET.length]).join('');
}
