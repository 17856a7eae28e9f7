/**
 * API Gateway's own answers (gateway responses): the built-in status and message of each type,
 * overridden by the API's GatewayResponse resources (the type's own, else DEFAULT_4XX/DEFAULT_5XX),
 * rendered with `{"message":$context.error.messageString}` unless a template is given.
 */
import type { GatewayResponsePlan } from './plan';
import { type MethodParams, renderTemplate } from './vtl';

export type GatewayResponseType =
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'INVALID_API_KEY'
  | 'THROTTLED'
  | 'QUOTA_EXCEEDED'
  | 'BAD_REQUEST_BODY'
  | 'BAD_REQUEST_PARAMETERS'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'REQUEST_TOO_LARGE'
  | 'INTEGRATION_FAILURE'
  | 'INTEGRATION_TIMEOUT'
  | 'API_CONFIGURATION_ERROR';

const BUILT_IN: Readonly<Record<GatewayResponseType, readonly [status: number, message: string, errorType: string]>> = {
  MISSING_AUTHENTICATION_TOKEN: [403, 'Missing Authentication Token', 'MissingAuthenticationTokenException'],
  INVALID_API_KEY: [403, 'Forbidden', 'ForbiddenException'],
  THROTTLED: [429, 'Too Many Requests', 'TooManyRequestsException'],
  QUOTA_EXCEEDED: [429, 'Limit Exceeded', 'LimitExceededException'],
  BAD_REQUEST_BODY: [400, 'Invalid request body', 'BadRequestException'],
  BAD_REQUEST_PARAMETERS: [400, 'Missing required request parameters', 'BadRequestException'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Unsupported Media Type', 'UnsupportedMediaTypeException'],
  REQUEST_TOO_LARGE: [413, 'Request Too Long', 'RequestTooLongException'],
  INTEGRATION_FAILURE: [504, 'Internal server error', 'InternalServerErrorException'],
  INTEGRATION_TIMEOUT: [504, 'Endpoint request timed out', 'InternalServerErrorException'],
  API_CONFIGURATION_ERROR: [500, 'Internal server error', 'InternalServerErrorException'],
};

const DEFAULT_TEMPLATE = '{"message":$context.error.messageString}';

export interface GatewayAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface GatewayError {
  readonly type: GatewayResponseType;
  /** Replaces the built-in message (e.g. `Missing required request parameters: [after]`). */
  readonly message?: string;
  readonly validationErrorString?: string;
}

/** Renders the gateway response for `error`; `context` is the request's `$context`, updated with `error`. */
export function gatewayResponse(
  responses: readonly GatewayResponsePlan[],
  error: GatewayError,
  request: { params: MethodParams; context: Record<string, unknown>; stageVariables: Record<string, string> },
): GatewayAnswer {
  const [builtInStatus, builtInMessage, errorType] = BUILT_IN[error.type];
  const custom =
    responses.find((r) => r.type === error.type) ?? responses.find((r) => r.type === (builtInStatus < 500 ? 'DEFAULT_4XX' : 'DEFAULT_5XX'));
  const message = error.message ?? builtInMessage;
  const context = request.context;
  context.error = {
    message,
    messageString: JSON.stringify(message),
    responseType: error.type,
    validationErrorString: error.validationErrorString ?? '',
  };
  const templates = custom?.templates ?? {};
  const template = templates['application/json'] ?? Object.values(templates)[0] ?? DEFAULT_TEMPLATE;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-errortype': errorType };
  for (const [name, value] of Object.entries(custom?.parameters ?? {})) {
    const header = /^gatewayresponse\.header\.(.+)$/.exec(name)?.[1];
    if (header) headers[header.toLowerCase()] = parameterValue(value, request.params, request.stageVariables);
  }
  const body = renderTemplate(template, { body: '', params: request.params, context, stageVariables: request.stageVariables });
  return { status: custom?.statusCode === undefined ? builtInStatus : Number(custom.statusCode), headers, body };
}

/** A gateway response parameter's value: `'literal'`, `method.request.{header,querystring,path}.x` or `stageVariables.x`. */
function parameterValue(source: string, params: MethodParams, stageVariables: Record<string, string>): string {
  const literal = /^'(.*)'$/s.exec(source);
  if (literal) return literal[1];
  const m = /^method\.request\.(header|querystring|path)\.(.+)$/.exec(source);
  if (m) return lookup(params[m[1] as keyof MethodParams], m[2], m[1] === 'header') ?? '';
  const s = /^stageVariables\.(.+)$/.exec(source);
  return s ? (stageVariables[s[1]] ?? '') : '';
}

/** A value by name; `ignoreCase` for header names. */
export function lookup(values: Record<string, string>, name: string, ignoreCase: boolean): string | undefined {
  if (name in values) return values[name];
  if (!ignoreCase) return undefined;
  const key = Object.keys(values).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : values[key];
}
