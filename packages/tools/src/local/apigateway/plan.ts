/**
 * Maps a template's API Gateway (REST API, v1) resources to the plan the local API serves:
 * RestApi, Resource, Method, Model, RequestValidator, Stage, Deployment, ApiKey, UsagePlan,
 * UsagePlanKey and GatewayResponse. Pure: the properties come in resolved (intrinsics done).
 */
import { isTrue } from '../identities';

/** A resource's resolved properties, with its Ref. */
export interface ApiResourceInput {
  readonly logicalId: string;
  readonly type: string;
  readonly ref: string;
  readonly props: Record<string, unknown>;
}

export const API_GATEWAY_TYPES: ReadonlySet<string> = new Set([
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGateway::Resource',
  'AWS::ApiGateway::Method',
  'AWS::ApiGateway::Model',
  'AWS::ApiGateway::RequestValidator',
  'AWS::ApiGateway::Stage',
  'AWS::ApiGateway::Deployment',
  'AWS::ApiGateway::ApiKey',
  'AWS::ApiGateway::UsagePlan',
  'AWS::ApiGateway::UsagePlanKey',
  'AWS::ApiGateway::GatewayResponse',
  'AWS::ApiGateway::Authorizer',
]);

export interface IntegrationResponsePlan {
  readonly statusCode: string;
  /** Matched against the whole backend status code (AWS integrations) as a Java regex would. */
  readonly selectionPattern?: string;
  readonly responseTemplates: Record<string, string>;
  readonly responseParameters: Record<string, string>;
}

export interface AwsTarget {
  readonly region: string;
  readonly service: string;
  /** `action` (Uri `action/Publish`) or `path` (Uri `path//`). */
  readonly kind: 'action' | 'path';
  /** The action name, or the path with its leading slash. */
  readonly value: string;
}

export interface IntegrationPlan {
  readonly type: 'AWS' | 'MOCK';
  readonly httpMethod: string;
  readonly target?: AwsTarget;
  readonly requestTemplates: Record<string, string>;
  readonly requestParameters: Record<string, string>;
  readonly passthroughBehavior: 'WHEN_NO_MATCH' | 'WHEN_NO_TEMPLATES' | 'NEVER';
  readonly responses: IntegrationResponsePlan[];
  readonly timeoutMs: number;
}

export interface MethodPlan {
  readonly logicalId: string;
  readonly httpMethod: string;
  readonly authorizationType: string;
  readonly apiKeyRequired: boolean;
  /** Content type → model name. */
  readonly requestModels: Record<string, string>;
  /** `method.request.querystring.after` → required. */
  readonly requestParameters: Record<string, boolean>;
  readonly validator?: { readonly body: boolean; readonly parameters: boolean };
  readonly integration: IntegrationPlan;
}

export interface ResourcePlan {
  readonly id: string;
  /** e.g. /events/{id} */
  readonly path: string;
  readonly methods: MethodPlan[];
}

export interface ThrottlePlan {
  readonly rateLimit?: number;
  readonly burstLimit?: number;
}

export interface StagePlan {
  readonly logicalId: string;
  readonly name: string;
  readonly variables: Record<string, string>;
  /** MethodSettings with throttling: `ResourcePath` (`/*` or `/~1events/POST`-style) and method. */
  readonly methodThrottles: { readonly resourcePath: string; readonly httpMethod: string; readonly throttle: ThrottlePlan }[];
}

export interface ApiKeyPlan {
  readonly logicalId: string;
  readonly id: string;
  readonly name: string;
  /** The template's Value, or undefined: the local run makes one up. */
  readonly value?: string;
  readonly enabled: boolean;
}

export interface UsagePlanPlan {
  readonly logicalId: string;
  readonly id: string;
  readonly stages: { readonly apiId: string; readonly stage: string; readonly throttle: Record<string, ThrottlePlan> }[];
  readonly throttle?: ThrottlePlan;
  readonly quota?: { readonly limit: number; readonly period: 'DAY' | 'WEEK' | 'MONTH'; readonly offset: number };
  /** Logical ids of its keys. */
  readonly keys: string[];
}

export interface GatewayResponsePlan {
  readonly type: string;
  readonly statusCode?: string;
  readonly templates: Record<string, string>;
  readonly parameters: Record<string, string>;
}

export interface RestApiPlan {
  readonly logicalId: string;
  readonly id: string;
  readonly name: string;
  readonly resources: ResourcePlan[];
  /** Model name → JSON schema (draft 4). */
  readonly models: Record<string, unknown>;
  readonly stages: StagePlan[];
  readonly gatewayResponses: GatewayResponsePlan[];
  readonly usagePlans: UsagePlanPlan[];
  readonly apiKeys: ApiKeyPlan[];
}

/** The services whose AWS integrations the local run can reach. */
export const EMULATED_SERVICES: ReadonlySet<string> = new Set(['sns', 'dynamodb']);

const DEFAULT_TIMEOUT_MS = 29_000;

/** Builds one plan per RestApi, or throws an Error naming every problem (joined by newlines). */
export function planRestApis(inputs: readonly ApiResourceInput[]): RestApiPlan[] {
  const problems: string[] = [];
  const byType = (type: string) => inputs.filter((r) => r.type === `AWS::ApiGateway::${type}`);
  const apiOf = (r: ApiResourceInput) => String(r.props.RestApiId);
  const validators = new Map(
    byType('RequestValidator').map((v) => [
      v.ref,
      { body: isTrue(v.props.ValidateRequestBody), parameters: isTrue(v.props.ValidateRequestParameters) },
    ]),
  );
  const authorizers = new Set(byType('Authorizer').map((a) => a.ref));
  const usagePlans = byType('UsagePlan');
  const usagePlanKeys = byType('UsagePlanKey');
  const apiKeys = byType('ApiKey');

  const apis = byType('RestApi').map((api): RestApiPlan => {
    if (api.props.Body !== undefined || api.props.BodyS3Location !== undefined) {
      problems.push(`${api.logicalId}: a RestApi defined by an OpenAPI Body is not served locally`);
    }
    if (api.props.ApiKeySourceType === 'AUTHORIZER') problems.push(`${api.logicalId}: ApiKeySourceType AUTHORIZER is not emulated`);
    const mine = (r: ApiResourceInput) => apiOf(r) === api.ref;
    const root = `${api.ref}-root`;
    const parents = new Map(byType('Resource').filter(mine).map((r) => [r.ref, r]));
    const pathOf = (id: string, seen = new Set<string>()): string => {
      if (id === root) return '';
      const r = parents.get(id);
      if (!r || seen.has(id)) throw new Error(`resource ${id} is not a resource of ${api.logicalId}`);
      seen.add(id);
      return `${pathOf(String(r.props.ParentId), seen)}/${String(r.props.PathPart)}`;
    };
    const resources = new Map<string, ResourcePlan>([[root, { id: root, path: '/', methods: [] }]]);
    for (const r of parents.values()) {
      try {
        resources.set(r.ref, { id: r.ref, path: pathOf(r.ref), methods: [] });
      } catch (e) {
        problems.push(`${r.logicalId}: ${(e as Error).message}`);
      }
    }
    for (const m of byType('Method').filter(mine)) {
      try {
        const resource = resources.get(String(m.props.ResourceId));
        if (!resource) throw new Error(`ResourceId ${String(m.props.ResourceId)} is not a resource of ${api.logicalId}`);
        resource.methods.push(mapMethod(m, validators, authorizers));
      } catch (e) {
        problems.push(`${m.logicalId}: ${(e as Error).message}`);
      }
    }
    const models = Object.fromEntries(
      byType('Model')
        .filter(mine)
        .map((m) => [m.ref, typeof m.props.Schema === 'string' ? JSON.parse(m.props.Schema) : (m.props.Schema ?? {})]),
    );
    const stages = byType('Stage').filter(mine).map(mapStage);
    for (const d of byType('Deployment').filter(mine)) {
      const desc = d.props.StageDescription as Record<string, unknown> | undefined;
      if (typeof d.props.StageName === 'string') stages.push(mapStage({ ...d, props: { ...desc, StageName: d.props.StageName } }));
    }
    const plans = usagePlans
      .map((p) => mapUsagePlan(p, usagePlanKeys, apiKeys))
      .filter((p) => p.stages.some((s) => s.apiId === api.ref));
    const keyIds = new Set(plans.flatMap((p) => p.keys));
    return {
      logicalId: api.logicalId,
      id: api.ref,
      name: String(api.props.Name ?? api.logicalId),
      resources: [...resources.values()],
      models,
      stages,
      gatewayResponses: byType('GatewayResponse').filter(mine).map((g) => ({
        type: String(g.props.ResponseType),
        statusCode: g.props.StatusCode === undefined ? undefined : String(g.props.StatusCode),
        templates: strings(g.props.ResponseTemplates),
        parameters: strings(g.props.ResponseParameters),
      })),
      usagePlans: plans,
      apiKeys: apiKeys
        .filter((k) => keyIds.has(k.logicalId))
        .map((k) => ({
          logicalId: k.logicalId,
          id: k.ref,
          name: String(k.props.Name ?? k.logicalId),
          value: typeof k.props.Value === 'string' ? k.props.Value : undefined,
          // CreateApiKey (and so AWS::ApiGateway::ApiKey) leaves a key disabled unless Enabled is true.
          enabled: isTrue(k.props.Enabled),
        })),
    };
  });
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return apis;
}

function mapMethod(
  m: ApiResourceInput,
  validators: ReadonlyMap<string, { body: boolean; parameters: boolean }>,
  authorizers: ReadonlySet<string>,
): MethodPlan {
  const p = m.props;
  const authorizationType = String(p.AuthorizationType ?? 'NONE');
  if (authorizationType === 'CUSTOM' || authorizationType === 'COGNITO_USER_POOLS' || (p.AuthorizerId && authorizers.has(String(p.AuthorizerId)))) {
    throw new Error(`authorization ${authorizationType} (an authorizer) is not emulated by the local API`);
  }
  const integration = (p.Integration ?? {}) as Record<string, unknown>;
  const type = String(integration.Type ?? '');
  if (type !== 'AWS' && type !== 'MOCK') throw new Error(`integration type ${type || '(none)'} is not emulated by the local API`);
  let target: AwsTarget | undefined;
  if (type === 'AWS') {
    target = parseAwsUri(String(integration.Uri));
    if (!EMULATED_SERVICES.has(target.service)) {
      throw new Error(`an AWS integration with ${target.service} is not emulated (the local API reaches ${[...EMULATED_SERVICES].join(', ')})`);
    }
  }
  const validatorId = p.RequestValidatorId === undefined ? undefined : String(p.RequestValidatorId);
  const validator = validatorId === undefined ? undefined : validators.get(validatorId);
  if (validatorId !== undefined && !validator) throw new Error(`RequestValidatorId ${validatorId} is not a validator of this API`);
  const passthrough = String(integration.PassthroughBehavior ?? 'WHEN_NO_MATCH');
  if (passthrough !== 'WHEN_NO_MATCH' && passthrough !== 'WHEN_NO_TEMPLATES' && passthrough !== 'NEVER') {
    throw new Error(`PassthroughBehavior ${passthrough} is not one of WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER`);
  }
  if (integration.ContentHandling !== undefined) throw new Error('Integration.ContentHandling (binary conversion) is not emulated');
  return {
    logicalId: m.logicalId,
    httpMethod: String(p.HttpMethod).toUpperCase(),
    authorizationType,
    apiKeyRequired: isTrue(p.ApiKeyRequired),
    requestModels: strings(p.RequestModels),
    requestParameters: Object.fromEntries(Object.entries((p.RequestParameters ?? {}) as Record<string, unknown>).map(([k, v]) => [k, isTrue(v)])),
    validator,
    integration: {
      type,
      httpMethod: String(integration.IntegrationHttpMethod ?? 'POST').toUpperCase(),
      target,
      requestTemplates: strings(integration.RequestTemplates),
      requestParameters: strings(integration.RequestParameters),
      passthroughBehavior: passthrough,
      responses: ((integration.IntegrationResponses ?? []) as Record<string, unknown>[]).map((r) => ({
        statusCode: String(r.StatusCode),
        selectionPattern: typeof r.SelectionPattern === 'string' && r.SelectionPattern !== '' ? r.SelectionPattern : undefined,
        responseTemplates: strings(r.ResponseTemplates),
        responseParameters: strings(r.ResponseParameters),
      })),
      timeoutMs: integration.TimeoutInMillis === undefined ? DEFAULT_TIMEOUT_MS : Number(integration.TimeoutInMillis),
    },
  };
}

/** `arn:aws:apigateway:us-east-1:sns:action/Publish`, `arn:aws:apigateway:us-east-1:sns:path//`. */
export function parseAwsUri(uri: string): AwsTarget {
  const match = /^arn:[^:]+:apigateway:([^:]+):([^:]+):(action|path)\/(.*)$/.exec(uri);
  if (!match) throw new Error(`integration Uri ${uri} is not an API Gateway service Uri (arn:aws:apigateway:{region}:{service}:action/... or path/...)`);
  const [, region, service, kind, rest] = match;
  // `{subdomain}.{service}` addresses a subdomain of the service's endpoint.
  const name = service.split('.').pop()!;
  if (kind === 'action') {
    // `action/Publish&TopicArn=...` (CDK's actionParameters) carries request parameters that the
    // local API does not send: refuse the template rather than call the action without them.
    if (rest.includes('&')) {
      throw new Error(`integration Uri ${uri}: parameters in an action Uri are not emulated; map them in the request template instead`);
    }
    return { region, service: name, kind, value: rest };
  }
  return { region, service: name, kind: 'path', value: rest.startsWith('/') ? rest : `/${rest}` };
}

function mapStage(s: ApiResourceInput): StagePlan {
  const settings = (s.props.MethodSettings ?? []) as Record<string, unknown>[];
  return {
    logicalId: s.logicalId,
    name: String(s.props.StageName),
    variables: strings(s.props.Variables),
    methodThrottles: settings
      .filter((m) => m.ThrottlingRateLimit !== undefined || m.ThrottlingBurstLimit !== undefined)
      .map((m) => ({
        resourcePath: String(m.ResourcePath ?? '/*'),
        httpMethod: String(m.HttpMethod ?? '*'),
        throttle: throttle({ RateLimit: m.ThrottlingRateLimit, BurstLimit: m.ThrottlingBurstLimit }),
      })),
  };
}

function mapUsagePlan(p: ApiResourceInput, planKeys: readonly ApiResourceInput[], apiKeys: readonly ApiResourceInput[]): UsagePlanPlan {
  const quota = p.props.Quota as Record<string, unknown> | undefined;
  const period = String(quota?.Period ?? 'DAY');
  if (period !== 'DAY' && period !== 'WEEK' && period !== 'MONTH') throw new Error(`${p.logicalId}: quota period ${period} is not DAY, WEEK or MONTH`);
  const keyByRef = new Map(apiKeys.map((k) => [k.ref, k.logicalId]));
  return {
    logicalId: p.logicalId,
    id: p.ref,
    stages: ((p.props.ApiStages ?? []) as Record<string, unknown>[]).map((s) => ({
      apiId: String(s.ApiId),
      stage: String(s.Stage),
      throttle: Object.fromEntries(Object.entries((s.Throttle ?? {}) as Record<string, Record<string, unknown>>).map(([k, v]) => [k, throttle(v)])),
    })),
    throttle: p.props.Throttle === undefined ? undefined : throttle(p.props.Throttle as Record<string, unknown>),
    quota: quota?.Limit === undefined ? undefined : { limit: Number(quota.Limit), period, offset: Number(quota.Offset ?? 0) },
    keys: planKeys
      .filter((k) => k.props.UsagePlanId === p.ref && keyByRef.has(String(k.props.KeyId)))
      .map((k) => keyByRef.get(String(k.props.KeyId))!),
  };
}

function throttle(t: Record<string, unknown>): ThrottlePlan {
  return {
    rateLimit: t.RateLimit === undefined ? undefined : Number(t.RateLimit),
    burstLimit: t.BurstLimit === undefined ? undefined : Number(t.BurstLimit),
  };
}

function strings(value: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries((value ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}
