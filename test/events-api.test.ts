import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EventPipeline, EventsApi, EventsApiAuthorization, EventsApiProps } from '../lib';
import * as T from '../lib/events-api-templates';
import { synthStack } from './helpers/stack';

type Resource = { Type: string; Properties: Record<string, any> };

/** A stack with a FIFO topic, a key and the two tables, and an EventsApi over them built with `props`. */
function standalone(props: Partial<EventsApiProps> = {}) {
  const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Standalone', { env: { account: '123456789012', region: 'eu-west-1' } });
  const encryptionKey = new kms.Key(stack, 'Key');
  const topic = new sns.Topic(stack, 'Topic', { fifo: true, masterKey: encryptionKey });
  const eventsTable = new dynamodb.Table(stack, 'Events', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
  const stateTable = new dynamodb.Table(stack, 'State', { partitionKey: { name: 'subject', type: dynamodb.AttributeType.STRING } });
  const make = () => new EventsApi(stack, 'Api', { topic, eventsTable, stateTable, ...props });
  return { stack, topic, encryptionKey, eventsTable, stateTable, make };
}

const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);

/** The methods of a template by "VERB /path", with their resource's full path rebuilt. */
function methods(template: Template): Record<string, Resource> {
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const pathOf = (id: { Ref?: string; 'Fn::GetAtt'?: string[] }): string => {
    if (id['Fn::GetAtt']) return '';
    const r = resources[id.Ref!];
    return `${pathOf(r.Properties.ParentId)}/${r.Properties.PathPart}`;
  };
  return Object.fromEntries(
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::ApiGateway::Method')
      .map((m) => [`${m.Properties.HttpMethod} ${pathOf(m.Properties.ResourceId)}`, m]),
  );
}

// GIVEN the sample stack, which turns the API on: API keys to publish (vendor-acme), SigV4 to read
let sample: Template;
let routes: Record<string, Resource>;
beforeAll(() => {
  sample = synthStack().template;
  routes = methods(sample);
});

const uri = (service: string, what: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:apigateway:eu-west-1:${service}:${what}`]],
});
const errorResponses = (clientError: string) => [
  {
    SelectionPattern: '429',
    StatusCode: '429',
    ResponseParameters: { 'method.response.header.Retry-After': "'1'" },
    ResponseTemplates: { 'application/json': T.THROTTLED_TEMPLATE },
  },
  { SelectionPattern: '4(?:[013-9]\\d|2[0-8])', StatusCode: '400', ResponseTemplates: { 'application/json': clientError } },
  {
    SelectionPattern: '5\\d{2}',
    StatusCode: '503',
    ResponseParameters: { 'method.response.header.Retry-After': "'1'" },
    ResponseTemplates: { 'application/json': T.UNAVAILABLE_TEMPLATE },
  },
];

describe('routes', () => {
  test('exactly four methods, no Lambda in the path', () => {
    expect(Object.keys(routes).sort()).toEqual(['GET /events/{id}', 'GET /subjects/{subject}', 'GET /subjects/{subject}/events', 'POST /events']);
    for (const m of Object.values(routes)) expect(m.Properties.Integration.Type).toBe('AWS');
  });

  test('POST /events publishes to SNS: Publish for one event, PublishBatch for a batch, form-encoded, JSON answers', () => {
    const { Integration } = routes['POST /events'].Properties;
    expect(Integration).toEqual(
      expect.objectContaining({
        Type: 'AWS',
        IntegrationHttpMethod: 'POST',
        Uri: uri('sns', 'path//'),
        PassthroughBehavior: 'NEVER',
        RequestParameters: {
          'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'",
          'integration.request.header.Accept': "'application/json'",
        },
        RequestTemplates: {
          'application/json': T.PUBLISH_REQUEST_TEMPLATE,
          'application/cloudevents+json': T.PUBLISH_REQUEST_TEMPLATE,
          'application/cloudevents-batch+json': T.PUBLISH_BATCH_REQUEST_TEMPLATE,
        },
        IntegrationResponses: [{ StatusCode: '202', ResponseTemplates: { 'application/json': T.PUBLISH_RESPONSE_TEMPLATE } }, ...errorResponses(T.PUBLISH_ERROR_TEMPLATE)],
      }),
    );
    expect(routes['POST /events'].Properties.MethodResponses.map((r: { StatusCode: string }) => r.StatusCode)).toEqual(['202', '400', '413', '429', '500', '503']);
  });

  test.each([
    ['GET /events/{id}', 'GetItem', T.GET_EVENT_REQUEST_TEMPLATE, T.GET_EVENT_RESPONSE_TEMPLATE, T.GET_EVENT_ERROR_TEMPLATE],
    ['GET /subjects/{subject}', 'GetItem', T.GET_SUBJECT_REQUEST_TEMPLATE, T.GET_SUBJECT_RESPONSE_TEMPLATE, T.GET_SUBJECT_ERROR_TEMPLATE],
    ['GET /subjects/{subject}/events', 'Query', T.LIST_SUBJECT_EVENTS_REQUEST_TEMPLATE, T.LIST_SUBJECT_EVENTS_RESPONSE_TEMPLATE, T.LIST_SUBJECT_EVENTS_ERROR_TEMPLATE],
  ])('%s calls DynamoDB %s with its templates', (route, action, request, response, error) => {
    const { Integration } = routes[route].Properties;
    expect(Integration).toEqual(
      expect.objectContaining({
        Type: 'AWS',
        IntegrationHttpMethod: 'POST',
        Uri: uri('dynamodb', `action/${action}`),
        PassthroughBehavior: 'NEVER',
        RequestTemplates: { 'application/json': request },
        IntegrationResponses: [{ StatusCode: '200', ResponseTemplates: { 'application/json': response } }, ...errorResponses(error)],
      }),
    );
  });

  test('429 and 503 answers carry Retry-After', () => {
    for (const m of Object.values(routes)) {
      for (const r of m.Properties.MethodResponses) {
        const retry = r.ResponseParameters?.['method.response.header.Retry-After'];
        expect([r.StatusCode, retry]).toEqual([r.StatusCode, ['429', '503'].includes(r.StatusCode) ? true : undefined]);
      }
    }
  });

  test('GET /subjects/{subject}/events takes after and limit, both optional', () => {
    expect(routes['GET /subjects/{subject}/events'].Properties.RequestParameters).toEqual({
      'method.request.querystring.after': false,
      'method.request.querystring.limit': false,
    });
  });

  test('every integration uses the one integration role', () => {
    const roleId = Object.keys(sample.findResources('AWS::IAM::Role')).find((id) => id.startsWith('PipelineApiRole'))!;
    for (const m of Object.values(routes)) expect(m.Properties.Integration.Credentials).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
  });
});

describe('validation', () => {
  test('POST /events validates the body: one event per single content type, a batch for the batch type', () => {
    const models = sample.findResources('AWS::ApiGateway::Model');
    const idOf = (name: string) => Object.keys(models).find((id) => models[id].Properties.Name === name)!;
    const validatorId = Object.keys(sample.findResources('AWS::ApiGateway::RequestValidator'))[0];
    expect(routes['POST /events'].Properties).toEqual(
      expect.objectContaining({
        RequestValidatorId: { Ref: validatorId },
        RequestModels: {
          'application/json': { Ref: idOf('CloudEvent') },
          'application/cloudevents+json': { Ref: idOf('CloudEvent') },
          'application/cloudevents-batch+json': { Ref: idOf('CloudEventBatch') },
        },
      }),
    );
    sample.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
  });

  test('the models are draft 4; the batch holds 1 to 10 events of the same schema', () => {
    const [event, batch] = ['CloudEvent', 'CloudEventBatch'].map(
      (name) => Object.values(sample.findResources('AWS::ApiGateway::Model')).find((m) => m.Properties.Name === name)!.Properties.Schema,
    );
    expect(event.$schema).toBe('http://json-schema.org/draft-04/schema#');
    expect(event.required).toEqual(['specversion', 'id', 'source', 'type', 'subject', 'sequence']);
    const { $schema: _s, title: _t, ...item } = event;
    expect(batch).toEqual({ $schema: 'http://json-schema.org/draft-04/schema#', title: 'CloudEventBatch', type: 'array', minItems: 1, maxItems: 10, items: item });
  });

  test('a body that fails the model gets 400 with the validation error, which names the field', () => {
    sample.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'BAD_REQUEST_BODY',
      StatusCode: '400',
      ResponseTemplates: { 'application/json': '{"error": "BadRequest", "message": "$context.error.validationErrorString"}' },
    });
  });

  test('a wrong content type gets 415 (no template matches, and pass-through is NEVER), as JSON', () => {
    sample.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNSUPPORTED_MEDIA_TYPE',
      StatusCode: '415',
      ResponseTemplates: { 'application/json': T.GATEWAY_RESPONSE_TEMPLATES.unsupportedMediaType },
    });
  });

  test('throttling and quotas at the gateway get 429 with Retry-After', () => {
    for (const type of ['THROTTLED', 'QUOTA_EXCEEDED']) {
      sample.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        StatusCode: '429',
        ResponseParameters: { 'gatewayresponse.header.Retry-After': "'1'" },
      });
    }
  });
});

describe('authorization', () => {
  test('the sample app: POST /events needs an API key, the reads SigV4', () => {
    expect(routes['POST /events'].Properties).toEqual(expect.objectContaining({ AuthorizationType: 'NONE', ApiKeyRequired: true }));
    for (const route of ['GET /events/{id}', 'GET /subjects/{subject}', 'GET /subjects/{subject}/events']) {
      expect(routes[route].Properties.AuthorizationType).toBe('AWS_IAM');
      expect(routes[route].Properties.ApiKeyRequired).toBeUndefined();
    }
  });

  test('the sample app: one key and usage plan, for vendor-acme, with its rate, burst and quota on the stage', () => {
    sample.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    sample.resourceCountIs('AWS::ApiGateway::UsagePlan', 1);
    const [stageId] = Object.keys(sample.findResources('AWS::ApiGateway::Stage'));
    sample.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      UsagePlanName: 'Test-vendor-acme',
      Throttle: { RateLimit: 50, BurstLimit: 100 },
      Quota: { Limit: 1000000, Period: 'DAY' },
      ApiStages: [Match.objectLike({ Stage: { Ref: stageId } })],
    });
    sample.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
  });

  test('by default, both sides take SigV4 (IAM)', () => {
    const { stack, make } = standalone();
    make();
    const all = methods(Template.fromStack(stack));
    expect(Object.values(all).map((m) => m.Properties.AuthorizationType)).toEqual(['AWS_IAM', 'AWS_IAM', 'AWS_IAM', 'AWS_IAM']);
    Template.fromStack(stack).resourceCountIs('AWS::ApiGateway::ApiKey', 0);
  });

  test('a user authorizer on reads, API keys with two partners on publish', () => {
    // GIVEN a Cognito authorizer
    const { stack, topic, eventsTable, stateTable } = standalone();
    const authorizer = new apigateway.CognitoUserPoolsAuthorizer(stack, 'Auth', { cognitoUserPools: [new cognito.UserPool(stack, 'Pool')] });
    const built = new EventsApi(stack, 'Api', {
      topic,
      eventsTable,
      stateTable,
      publishAuthorization: EventsApiAuthorization.API_KEY,
      readAuthorization: EventsApiAuthorization.AUTHORIZER,
      readAuthorizer: authorizer,
      partners: [{ name: 'a' }, { name: 'b', rateLimit: 5, burstLimit: 10, quota: 100, quotaPeriod: apigateway.Period.MONTH }],
    });
    const template = Template.fromStack(stack);
    const all = methods(template);
    // THEN publish takes a key, reads the Cognito authorizer
    expect(all['POST /events'].Properties).toEqual(expect.objectContaining({ AuthorizationType: 'NONE', ApiKeyRequired: true }));
    const authorizerId = stack.getLogicalId(authorizer.node.defaultChild as never);
    expect(all['GET /events/{id}'].Properties).toEqual(expect.objectContaining({ AuthorizationType: 'COGNITO_USER_POOLS', AuthorizerId: { Ref: authorizerId } }));
    // AND each partner has its own key and plan
    expect(Object.keys(built.apiKeys)).toEqual(['a', 'b']);
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Throttle: { RateLimit: 50, BurstLimit: 100 }, Quota: Match.absent() });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Throttle: { RateLimit: 5, BurstLimit: 10 }, Quota: { Limit: 100, Period: 'MONTH' } });
  });
});

describe('the integration role', () => {
  test('may publish to this topic, use its key, get items of both tables and query the subject index: nothing else', () => {
    const roleId = Object.keys(sample.findResources('AWS::IAM::Role')).find((id) => id.startsWith('PipelineApiRole'))!;
    const resources = sample.toJSON().Resources as Record<string, Resource>;
    const id = (type: string, prefix: string) => Object.keys(resources).find((k) => resources[k].Type === type && k.startsWith(prefix))!;
    const arn = (logical: string) => ({ 'Fn::GetAtt': [logical, 'Arn'] });
    const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: { Ref: string }) => x.Ref === roleId));
    expect(policies.flatMap((p) => p.Properties.PolicyDocument.Statement)).toEqual([
      { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: id('AWS::SNS::Topic', 'PipelineTopic') } },
      { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: arn(id('AWS::KMS::Key', 'PipelineKey')) },
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: [arn(id('AWS::DynamoDB::Table', 'PipelineEventsTable')), arn(id('AWS::DynamoDB::Table', 'PipelineStateTable'))],
      },
      {
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: { 'Fn::Join': ['', [arn(id('AWS::DynamoDB::Table', 'PipelineEventsTable')), '/index/bySubject']] },
      },
    ]);
    expect(resources[roleId].Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' } },
    ]);
    expect(resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('may also decrypt with a table key, when a table has its own', () => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Keyed');
    const tableKey = new kms.Key(stack, 'TableKey');
    const table = (name: string, pk: string) =>
      new dynamodb.Table(stack, name, { partitionKey: { name: pk, type: dynamodb.AttributeType.STRING }, encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: tableKey });
    new EventsApi(stack, 'Api', { topic: new sns.Topic(stack, 'Topic', { fifo: true }), eventsTable: table('E', 'id'), stateTable: table('S', 'subject') });
    const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    const statements = policy.Properties.PolicyDocument.Statement;
    // No key for an unencrypted topic; kms:Decrypt on the one table key
    expect(statements.filter((s: { Action: string | string[] }) => [s.Action].flat().some((a) => a.startsWith('kms:')))).toEqual([
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [stack.getLogicalId(tableKey.node.defaultChild as never), 'Arn'] } },
    ]);
  });
});

describe('stage', () => {
  test('throttled, traced, logged to a log group with retention, as JSON, with the resource names as stage variables', () => {
    const logGroupId = Object.keys(sample.findResources('AWS::Logs::LogGroup')).find((id) => id.startsWith('PipelineApiAccessLogs'))!;
    sample.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const resources = sample.toJSON().Resources as Record<string, Resource>;
    const id = (type: string, prefix: string) => Object.keys(resources).find((k) => resources[k].Type === type && k.startsWith(prefix))!;
    sample.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      TracingEnabled: true,
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200, HttpMethod: '*', ResourcePath: '/*' })],
      AccessLogSetting: { DestinationArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] }, Format: Match.stringLikeRegexp('^\\{"requestId":') },
      Variables: {
        topicArn: { Ref: id('AWS::SNS::Topic', 'PipelineTopic') },
        eventsTable: { Ref: id('AWS::DynamoDB::Table', 'PipelineEventsTable') },
        stateTable: { Ref: id('AWS::DynamoDB::Table', 'PipelineStateTable') },
        subjectIndex: 'bySubject',
      },
    });
  });

  test('a regional endpoint, and no account-wide CloudWatch role', () => {
    sample.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    sample.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  test('no web ACL by default; the one given is associated with the stage', () => {
    sample.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    const webAclArn = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/partners/0123';
    const { stack, make } = standalone({ webAclArn });
    const api = make();
    Template.fromStack(stack).hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: webAclArn,
      ResourceArn: stack.resolve(api.stage.stageArn),
    });
  });

  test('the sample stack outputs the API URL, without a trailing slash, and the partner key id', () => {
    const outputs = sample.toJSON().Outputs;
    expect(Object.keys(outputs).filter((k) => k.startsWith('EventsApi'))).toEqual(['EventsApiUrl', 'EventsApiKeyId']);
    expect(outputs.EventsApiUrl.Value['Fn::Join'][1].at(-1)).toBe('/v1');
    expect(Object.keys(outputs).some((k) => k.includes('Endpoint'))).toBe(false);
  });
});

describe('EventPipeline', () => {
  test('has no API unless asked', () => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Plain');
    const pipeline = new EventPipeline(stack, 'Pipeline');
    expect(pipeline.api).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::ApiGateway::RestApi', 0);
  });

  test('api: {} builds one on its own topic, key and tables', () => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'WithApi');
    const pipeline = new EventPipeline(stack, 'Pipeline', { api: {} });
    expect(pipeline.api).toBeInstanceOf(EventsApi);
    expect(logicalId(stack, pipeline.api!.api as never)).toMatch(/^PipelineApi/);
  });
});

describe('synth-time checks', () => {
  test.each<[string, Partial<EventsApiProps>, RegExp]>([
    ['AUTHORIZER without an authorizer', { publishAuthorization: EventsApiAuthorization.AUTHORIZER }, /authorizer: required when publishAuthorization is AUTHORIZER/],
    ['AUTHORIZER on reads without one', { readAuthorization: EventsApiAuthorization.AUTHORIZER }, /authorizer \(or readAuthorizer\): required when readAuthorization is AUTHORIZER/],
    ['API_KEY without partners', { publishAuthorization: EventsApiAuthorization.API_KEY }, /partners: at least one is required when a side is API_KEY \(got none\)/],
    ['partners without API_KEY', { partners: [{ name: 'acme' }] }, /partners: given, but neither publishAuthorization nor readAuthorization is API_KEY/],
    ['an unknown authorization', { readAuthorization: 'BASIC' as EventsApiAuthorization }, /readAuthorization must be one of IAM, API_KEY, AUTHORIZER \(got BASIC\)/],
    ['a partner name with a space', { publishAuthorization: EventsApiAuthorization.API_KEY, partners: [{ name: 'acme corp' }] }, /partners\[0\]\.name must be 1 to 64 letters, digits, '\.', '_' or '-' \(got 'acme corp'\)/],
    ['a partner twice', { publishAuthorization: EventsApiAuthorization.API_KEY, partners: [{ name: 'a' }, { name: 'a' }] }, /partners\[1\]\.name must be unique \(got 'a' twice\)/],
    ['a partner rate of 0', { publishAuthorization: EventsApiAuthorization.API_KEY, partners: [{ name: 'a', rateLimit: 0 }] }, /partners\[0\]\.rateLimit must be above 0 and at most 10000 requests per second \(got 0\)/],
    ['a partner burst of 5001', { publishAuthorization: EventsApiAuthorization.API_KEY, partners: [{ name: 'a', burstLimit: 5001 }] }, /partners\[0\]\.burstLimit must be a whole number between 0 and 5000 \(got 5001\)/],
    ['a quota of 0', { publishAuthorization: EventsApiAuthorization.API_KEY, partners: [{ name: 'a', quota: 0 }] }, /partners\[0\]\.quota must be a whole number between 1 and 2147483647 \(got 0\)/],
    ['a stage rate of 20000', { throttlingRateLimit: 20000 }, /throttlingRateLimit must be above 0 and at most 10000 requests per second \(got 20000\)/],
    ['a stage burst of -1', { throttlingBurstLimit: -1 }, /throttlingBurstLimit must be a whole number between 0 and 5000 \(got -1\)/],
    ['a stage name with a slash', { stageName: 'v1/beta' }, /stageName must be 1 to 128 letters, digits, '_' or '-' \(got 'v1\/beta'\)/],
    ['a web ACL ARN that is not one', { webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:global/webacl/x/1' }, /webAclArn must be the ARN of a regional WAFv2 web ACL/],
  ])('%s', (_name, props, message) => {
    expect(standalone(props).make).toThrow(message);
  });

  test('an authorizer that no side uses', () => {
    const { stack, topic, eventsTable, stateTable } = standalone();
    const authorizer = new apigateway.CognitoUserPoolsAuthorizer(stack, 'Auth', { cognitoUserPools: [new cognito.UserPool(stack, 'Pool')] });
    expect(() => new EventsApi(stack, 'Api', { topic, eventsTable, stateTable, authorizer })).toThrow(
      /authorizer, readAuthorizer: given, but neither publishAuthorization nor readAuthorization is AUTHORIZER/,
    );
  });

  test('every problem is reported at once', () => {
    expect(standalone({ throttlingRateLimit: 0, stageName: '' }).make).toThrow(/throttlingRateLimit[\s\S]*stageName/);
  });
});
