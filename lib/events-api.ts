import { Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { acknowledgeApi } from './acknowledgments';
import { batchSchema, eventSchema } from './events-api-model';
import { EventsApiAuthorization, EventsApiProps } from './events-api-props';
import * as T from './events-api-templates';
import { EventsTableSchema } from './events-table-schema';
import { PropsValidator } from './validation';

const PARTNER_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const WEB_ACL_ARN = /^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional\/webacl\/.+/;
const EVENT_TYPES = ['application/json', 'application/cloudevents+json'];
const BATCH_TYPE = 'application/cloudevents-batch+json';
const RETRY_AFTER = { 'method.response.header.Retry-After': "'1'" };

/**
 * An HTTPS front door to the pipeline, on API Gateway (REST), with no Lambda
 * in the path: `POST /events` publishes to the FIFO topic (one event with
 * `Publish`, a batch with `PublishBatch`) and answers 202 with the topic's
 * receipts; `GET /events/{id}`, `GET /subjects/{subject}` and
 * `GET /subjects/{subject}/events` read the tables. Bodies are validated
 * against a draft-4 model with the consumers' rules.
 */
export class EventsApi extends Construct {
  /** The REST API. */
  public readonly api: apigateway.IRestApi;
  /** The stage: its `urlForPath()` is the API's base URL. */
  public readonly stage: apigateway.Stage;
  /** The role API Gateway uses to publish and read. */
  public readonly role: iam.IRole;
  /** The stage's access log group. */
  public readonly accessLogs: logs.ILogGroup;
  /** Each partner's API key, by partner name. */
  public readonly apiKeys: { [partner: string]: apigateway.IApiKey };
  /** The stage URL, without a trailing slash. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: EventsApiProps) {
    super(scope, id);
    validate(this, props);

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    const stageName = props.stageName ?? 'v1';
    const api = new apigateway.RestApi(this, 'Api', {
      description: `Events API of ${this.node.path}`,
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      cloudWatchRole: false,
      deployOptions: {
        stageName,
        tracingEnabled: props.tracing ?? true,
        throttlingRateLimit: props.throttlingRateLimit ?? 100,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 200,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        variables: {
          topicArn: props.topic.topicArn,
          eventsTable: props.eventsTable.tableName,
          stateTable: props.stateTable.tableName,
          subjectIndex: EventsTableSchema.SUBJECT_INDEX,
        },
      },
    });
    // The stack decides its outputs; RestApi would add one of its own
    api.node.tryRemoveChild('Endpoint');
    this.api = api;
    this.stage = api.deploymentStage;
    this.url = `https://${api.restApiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${stageName}`;
    this.role = this.integrationRole(props);
    this.gatewayResponses(api);

    const validator = api.addRequestValidator('Validator', { validateRequestBody: true, validateRequestParameters: true });
    const eventModel = api.addModel('CloudEvent', { modelName: 'CloudEvent', contentType: 'application/json', schema: eventSchema() });
    const batchModel = api.addModel('CloudEventBatch', { modelName: 'CloudEventBatch', contentType: BATCH_TYPE, schema: batchSchema() });
    const publish = this.methodAuth(props.publishAuthorization, props.authorizer);
    const read = this.methodAuth(props.readAuthorization, props.readAuthorizer ?? props.authorizer);

    const events = api.root.addResource('events');
    const post = events.addMethod('POST', this.snsIntegration(), {
      ...publish,
      requestValidator: validator,
      requestModels: { ...Object.fromEntries(EVENT_TYPES.map((t) => [t, eventModel])), [BATCH_TYPE]: batchModel },
      methodResponses: methodResponses(['202', '400', '413', '429', '500', '503']),
    });
    const getEvent = events.addResource('{id}').addMethod('GET', this.readIntegration('GetItem', T.GET_EVENT_REQUEST_TEMPLATE, T.GET_EVENT_RESPONSE_TEMPLATE, T.GET_EVENT_ERROR_TEMPLATE), {
      ...read,
      requestValidator: validator,
      methodResponses: methodResponses(['200', '400', '404', '429', '500', '503']),
    });
    const subject = api.root.addResource('subjects').addResource('{subject}');
    const getSubject = subject.addMethod('GET', this.readIntegration('GetItem', T.GET_SUBJECT_REQUEST_TEMPLATE, T.GET_SUBJECT_RESPONSE_TEMPLATE, T.GET_SUBJECT_ERROR_TEMPLATE), {
      ...read,
      requestValidator: validator,
      methodResponses: methodResponses(['200', '400', '404', '429', '500', '503']),
    });
    const listEvents = subject.addResource('events').addMethod(
      'GET',
      this.readIntegration('Query', T.LIST_SUBJECT_EVENTS_REQUEST_TEMPLATE, T.LIST_SUBJECT_EVENTS_RESPONSE_TEMPLATE, T.LIST_SUBJECT_EVENTS_ERROR_TEMPLATE),
      {
        ...read,
        requestValidator: validator,
        requestParameters: { 'method.request.querystring.after': false, 'method.request.querystring.limit': false },
        methodResponses: methodResponses(['200', '400', '429', '500', '503']),
      },
    );

    const gets = [getEvent, getSubject, listEvents];

    this.apiKeys = {};
    for (const partner of props.partners ?? []) {
      const key = api.addApiKey(`Key-${partner.name}`, { apiKeyName: `${Stack.of(this).stackName}-${partner.name}`, description: `API key of ${partner.name}` });
      const plan = api.addUsagePlan(`Plan-${partner.name}`, {
        name: `${Stack.of(this).stackName}-${partner.name}`,
        throttle: { rateLimit: partner.rateLimit ?? 50, burstLimit: partner.burstLimit ?? 100 },
        quota: partner.quota === undefined ? undefined : { limit: partner.quota, period: partner.quotaPeriod ?? apigateway.Period.DAY },
        apiStages: [{ stage: this.stage }],
      });
      plan.addApiKey(key);
      this.apiKeys[partner.name] = key;
    }
    if (props.webAclArn !== undefined) {
      new wafv2.CfnWebACLAssociation(this, 'WebAcl', { resourceArn: this.stage.stageArn, webAclArn: props.webAclArn });
    } else {
      acknowledgeApi(this.stage, 'noWebAcl');
    }
    acknowledgeApi(this.stage, 'stage');
    for (const [method, auth] of [[post, publish], ...gets.map((get) => [get, read] as const)] as const) {
      acknowledgeApi(method, 'method');
      if (auth.apiKeyRequired) acknowledgeApi(method, 'apiKeyMethod');
    }
  }

  /** One role for every integration: publish to this topic, use its key, read these tables. Nothing else. */
  private integrationRole(props: EventsApiProps): iam.IRole {
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: `API Gateway integrations of ${this.node.path}`,
    });
    // PublishBatch is authorized by sns:Publish; there is no sns:PublishBatch action.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [props.topic.topicArn] }));
    const key = props.encryptionKey ?? props.topic.masterKey;
    if (key) role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [props.eventsTable.tableArn, props.stateTable.tableArn] }),
    );
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${props.eventsTable.tableArn}/index/${EventsTableSchema.SUBJECT_INDEX}`] }));
    const tableKeys = [props.eventsTable.encryptionKey, props.stateTable.encryptionKey].filter((k): k is kms.IKey => k !== undefined);
    if (tableKeys.length > 0) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [...new Set(tableKeys.map((k) => k.keyArn))] }));
    }
    return role;
  }

  private snsIntegration(): apigateway.AwsIntegration {
    return new apigateway.AwsIntegration({
      service: 'sns',
      path: '/',
      integrationHttpMethod: 'POST',
      options: {
        credentialsRole: this.role,
        passthroughBehavior: apigateway.PassthroughBehavior.NEVER,
        requestParameters: {
          'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'",
          'integration.request.header.Accept': "'application/json'",
        },
        requestTemplates: {
          ...Object.fromEntries(EVENT_TYPES.map((t) => [t, T.PUBLISH_REQUEST_TEMPLATE])),
          [BATCH_TYPE]: T.PUBLISH_BATCH_REQUEST_TEMPLATE,
        },
        integrationResponses: [
          {
            statusCode: '202',
            responseTemplates: { 'application/json': T.PUBLISH_RESPONSE_TEMPLATE },
          },
          ...errorResponses(T.PUBLISH_ERROR_TEMPLATE),
        ],
      },
    });
  }

  private readIntegration(action: string, request: string, response: string, error: string): apigateway.AwsIntegration {
    return new apigateway.AwsIntegration({
      service: 'dynamodb',
      action,
      options: {
        credentialsRole: this.role,
        passthroughBehavior: apigateway.PassthroughBehavior.NEVER,
        requestTemplates: { 'application/json': request },
        integrationResponses: [{ statusCode: '200', responseTemplates: { 'application/json': response } }, ...errorResponses(error)],
      },
    });
  }

  private methodAuth(authorization: EventsApiAuthorization | undefined, authorizer: apigateway.IAuthorizer | undefined): apigateway.MethodOptions {
    switch (authorization ?? EventsApiAuthorization.IAM) {
      case EventsApiAuthorization.API_KEY:
        return { authorizationType: apigateway.AuthorizationType.NONE, apiKeyRequired: true };
      case EventsApiAuthorization.AUTHORIZER:
        return { authorizer, authorizationType: authorizer?.authorizationType };
      default:
        return { authorizationType: apigateway.AuthorizationType.IAM };
    }
  }

  /** API Gateway's own errors as JSON; a body that fails the model gets 400 with API Gateway's validation message. */
  private gatewayResponses(api: apigateway.RestApi): void {
    const json = (template: string) => ({ 'application/json': template });
    const g = T.GATEWAY_RESPONSE_TEMPLATES;
    api.addGatewayResponse('BadRequestBody', { type: apigateway.ResponseType.BAD_REQUEST_BODY, statusCode: '400', templates: json(g.badRequestBody) });
    api.addGatewayResponse('UnsupportedMediaType', { type: apigateway.ResponseType.UNSUPPORTED_MEDIA_TYPE, statusCode: '415', templates: json(g.unsupportedMediaType) });
    api.addGatewayResponse('RequestTooLarge', { type: apigateway.ResponseType.REQUEST_TOO_LARGE, statusCode: '413', templates: json(g.requestTooLarge) });
    for (const [name, type] of [['Throttled', apigateway.ResponseType.THROTTLED], ['QuotaExceeded', apigateway.ResponseType.QUOTA_EXCEEDED]] as const) {
      api.addGatewayResponse(name, { type, statusCode: '429', responseHeaders: { 'Retry-After': "'1'" }, templates: json(g.throttled) });
    }
    api.addGatewayResponse('Default4xx', { type: apigateway.ResponseType.DEFAULT_4XX, templates: json(g.default4xx) });
    api.addGatewayResponse('Default5xx', { type: apigateway.ResponseType.DEFAULT_5XX, templates: json(g.default5xx) });
  }
}

/** Integration responses for a service's errors, chosen by its status code: 429, other 4xx, 5xx. */
function errorResponses(clientError: string): apigateway.IntegrationResponse[] {
  return [
    { selectionPattern: '429', statusCode: '429', responseParameters: RETRY_AFTER, responseTemplates: { 'application/json': T.THROTTLED_TEMPLATE } },
    { selectionPattern: '4(?:[013-9]\\d|2[0-8])', statusCode: '400', responseTemplates: { 'application/json': clientError } },
    { selectionPattern: '5\\d{2}', statusCode: '503', responseParameters: RETRY_AFTER, responseTemplates: { 'application/json': T.UNAVAILABLE_TEMPLATE } },
  ];
}

function methodResponses(codes: string[]): apigateway.MethodResponse[] {
  return codes.map((statusCode) => ({
    statusCode,
    responseParameters: statusCode === '429' || statusCode === '503' ? { 'method.response.header.Retry-After': true } : undefined,
  }));
}

function validate(scope: Construct, props: EventsApiProps): void {
  const v = new PropsValidator(scope, `EventsApi (${scope.node.path})`);
  const sides = [
    ['publishAuthorization', props.publishAuthorization],
    ['readAuthorization', props.readAuthorization],
  ] as const;
  const uses = (a: EventsApiAuthorization) => sides.some(([, s]) => s === a);
  for (const [name, side] of sides) {
    v.check(
      side !== undefined && !Object.values(EventsApiAuthorization).includes(side),
      `${name} must be one of ${Object.values(EventsApiAuthorization).join(', ')} (got ${String(side)})`,
    );
  }
  v.check(
    props.publishAuthorization === EventsApiAuthorization.AUTHORIZER && props.authorizer === undefined,
    'authorizer: required when publishAuthorization is AUTHORIZER',
  );
  v.check(
    props.readAuthorization === EventsApiAuthorization.AUTHORIZER && props.authorizer === undefined && props.readAuthorizer === undefined,
    'authorizer (or readAuthorizer): required when readAuthorization is AUTHORIZER',
  );
  v.check((props.authorizer !== undefined || props.readAuthorizer !== undefined) && !uses(EventsApiAuthorization.AUTHORIZER),
    'authorizer, readAuthorizer: given, but neither publishAuthorization nor readAuthorization is AUTHORIZER');
  const partners = props.partners ?? [];
  v.check(partners.length > 0 && !uses(EventsApiAuthorization.API_KEY), 'partners: given, but neither publishAuthorization nor readAuthorization is API_KEY');
  v.check(uses(EventsApiAuthorization.API_KEY) && partners.length === 0, 'partners: at least one is required when a side is API_KEY (got none)');
  const seen = new Set<string>();
  for (const [i, p] of partners.entries()) {
    v.check(!PARTNER_NAME.test(p.name), `partners[${i}].name must be 1 to 64 letters, digits, '.', '_' or '-' (got '${p.name}')`);
    v.check(seen.has(p.name), `partners[${i}].name must be unique (got '${p.name}' twice)`);
    seen.add(p.name);
    positive(v, `partners[${i}].rateLimit`, p.rateLimit, 10000);
    v.range(`partners[${i}].burstLimit`, p.burstLimit, 0, 5000);
    v.range(`partners[${i}].quota`, p.quota, 1, 2 ** 31 - 1);
  }
  positive(v, 'throttlingRateLimit', props.throttlingRateLimit, 10000);
  v.range('throttlingBurstLimit', props.throttlingBurstLimit, 0, 5000);
  v.check(
    props.stageName !== undefined && !Token.isUnresolved(props.stageName) && !/^[A-Za-z0-9_-]{1,128}$/.test(props.stageName),
    `stageName must be 1 to 128 letters, digits, '_' or '-' (got '${props.stageName}')`,
  );
  v.check(
    props.webAclArn !== undefined && !Token.isUnresolved(props.webAclArn) && !WEB_ACL_ARN.test(props.webAclArn),
    `webAclArn must be the ARN of a regional WAFv2 web ACL, arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID (got '${props.webAclArn}')`,
  );
  v.throwIfInvalid();
}

/** A rate in requests per second: above 0, at most `max`. */
function positive(v: PropsValidator, prop: string, value: number | undefined, max: number): void {
  v.check(
    value !== undefined && !Token.isUnresolved(value) && !(value > 0 && value <= max),
    `${prop} must be above 0 and at most ${max} requests per second (got ${value})`,
  );
}
