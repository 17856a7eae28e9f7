import { gatewayResponse } from '../../packages/tools/src/local/apigateway/gateway-responses';
import { planRestApis } from '../../packages/tools/src/local/apigateway/plan';
import { queryXmlToJson } from '../../packages/tools/src/local/apigateway/query-json';
import { matchPath, selectResponse } from '../../packages/tools/src/local/apigateway/server';
import { Quota, TokenBucket } from '../../packages/tools/src/local/apigateway/throttle';
import { ModelValidator } from '../../packages/tools/src/local/apigateway/validation';
import { escapeJavaScript, renderTemplate, urlDecode, urlEncode } from '../../packages/tools/src/local/apigateway/vtl';

const params = { path: { id: 'p-1' }, querystring: { limit: '5' }, header: { 'X-Api-Key': 'k', 'Content-Type': 'application/json' } };
const render = (template: string, body = '') => renderTemplate(template, { body, params, context: { requestId: 'r-1', requestOverride: { header: {} } }, stageVariables: { v: 'sv' } });

describe('$util', () => {
  test('escapeJavaScript escapes as Commons Lang does: \\\' for a single quote, \\/ and \\uXXXX outside ASCII', () => {
    expect(escapeJavaScript(`a'b"c\\d/e\nf\tg\u0001é😀`)).toBe(`a\\'b\\"c\\\\d\\/e\\nf\\tg\\u0001\\u00E9\\uD83D\\uDE00`);
    expect(render("$util.escapeJavaScript($input.path('$.s'))", JSON.stringify({ s: "it's" }))).toBe("it\\'s");
  });

  test('urlEncode keeps a subject from adding form parameters, as Java\'s URLEncoder does', () => {
    expect(urlEncode('a&TopicArn=arn:aws:sns:us-east-1:1:other b~*')).toBe('a%26TopicArn%3Darn%3Aaws%3Asns%3Aus-east-1%3A1%3Aother+b%7E*');
    expect(new URLSearchParams(`Subject=${urlEncode('a&TopicArn=x')}`).get('Subject')).toBe('a&TopicArn=x');
    expect(urlDecode('a+b%26c')).toBe('a b&c');
  });

  test('base64 and parseJson', () => {
    expect(render("$util.base64Encode('é') $util.base64Decode('w6k=') #set($o = $util.parseJson('{\"a\":[1,2]}'))$o.a.size()")).toBe('w6k= é 2');
    // Java's decoder refuses what Node's skips over
    expect(() => render("$util.base64Decode('w6k')")).toThrow(/not base64/);
    expect(() => render("$util.base64Decode('w6k*')")).toThrow(/not base64/);
  });
});

describe('$input', () => {
  const body = JSON.stringify({ a: { b: [1, { c: 'x' }] }, n: 10.5 });

  test('json() gives JSON text, path() a value templates can walk, body the payload as sent', () => {
    expect(render("$input.json('$.a.b')", body)).toBe('[1,{"c":"x"}]');
    expect(render("$input.path('$.a.b[1].c') $input.path('$.a.b').size() $input.json('$')", body)).toBe(`x 2 ${body}`);
    expect(render("[$input.path('$.missing')][$input.json('$.missing')]", body)).toBe('[][]');
    expect(render('$input.body', body)).toBe(body);
  });

  test('params() searches path, then query string, then headers (case-insensitive)', () => {
    expect(render("$input.params('id') $input.params('limit') $input.params('x-api-key') [$input.params('none')] $input.params().path.id")).toBe('p-1 5 k [] p-1');
  });

  test('$context and $stageVariables; unknown references render as nothing', () => {
    expect(render('$context.requestId $stageVariables.v [$nothing]')).toBe('r-1 sv []');
  });

  test('a body that is not JSON fails json() and path() by name', () => {
    expect(() => render("$input.path('$.a')", 'not json')).toThrow(/Could not parse request body into json/);
  });
});

describe('model validation (draft 4)', () => {
  const validator = new ModelValidator('api1', {
    Event: {
      $schema: 'http://json-schema.org/draft-04/schema#',
      type: 'object',
      required: ['id', 'type'],
      properties: { id: { type: 'string', maxLength: 3 }, sequence: { type: 'integer', minimum: 0 }, type: { enum: ['a', 'b'] } },
    },
    Batch: { type: 'array', minItems: 1, items: { $ref: 'https://apigateway.amazonaws.com/restapis/api1/models/Event' } },
  });

  test('accepts a valid body, and a draft-4 exclusiveMinimum keyword is understood', () => {
    expect(validator.validate('Event', '{"id":"1","type":"a","sequence":0}').valid).toBe(true);
    expect(new ModelValidator('x', { M: { type: 'number', minimum: 0, exclusiveMinimum: true } }).validate('M', '0').valid).toBe(false);
  });

  test('words the errors as API Gateway does', () => {
    expect(validator.validate('Event', '{}').errorString).toBe('[object has missing required properties ([\\"id\\",\\"type\\"])]');
    expect(validator.validate('Event', '{"id":"1234","type":"c","sequence":1.5}').errorString).toBe(
      '[string \\"1234\\" is too long (length: 4, maximum allowed: 3), ' +
        'instance type (number) does not match any allowed primitive type (allowed: [\\"integer\\"]), ' +
        'instance value (\\"c\\") not found in enum (possible values: [\\"a\\",\\"b\\"])]',
    );
  });

  test('follows a reference to another model of the API', () => {
    expect(validator.validate('Batch', '[{"id":"1"}]').errorString).toBe('[object has missing required properties ([\\"type\\"])]');
    expect(validator.validate('Batch', '[]').valid).toBe(false);
  });
});

describe('routing and integration responses', () => {
  test('matches literal parts, {param} parts and a greedy {proxy+}', () => {
    expect(matchPath(['events', '{id}'], ['events', 'e%201'])).toEqual({ id: 'e 1' });
    expect(matchPath(['events', '{id}'], ['events'])).toBeUndefined();
    expect(matchPath(['events', '{id}'], ['events', '1', 'x'])).toBeUndefined();
    expect(matchPath(['{proxy+}'], ['a', 'b'])).toEqual({ proxy: 'a/b' });
  });

  test('a selection pattern must match the whole status code; otherwise the default response', () => {
    const responses = [{ statusCode: '200', responseTemplates: {}, responseParameters: {} }, { statusCode: '503', selectionPattern: '4\\d{2}', responseTemplates: {}, responseParameters: {} }];
    expect(selectResponse(responses, '400')?.statusCode).toBe('503');
    expect(selectResponse(responses, '1400')?.statusCode).toBe('200');
    expect(selectResponse(responses, '200')?.statusCode).toBe('200');
    expect(selectResponse(responses.slice(1), '200')).toBeUndefined();
  });
});

describe('the plan of a REST API', () => {
  const api = { logicalId: 'Api', type: 'AWS::ApiGateway::RestApi', ref: 'abc', props: { Name: 'Api' } };
  const method = (integration: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    logicalId: 'M',
    type: 'AWS::ApiGateway::Method',
    ref: 'M',
    props: { RestApiId: 'abc', ResourceId: 'abc-root', HttpMethod: 'GET', AuthorizationType: 'NONE', Integration: integration, ...extra },
  });

  test('keys reach a stage through usage plans only', () => {
    const [plan] = planRestApis([
      api,
      { logicalId: 'S', type: 'AWS::ApiGateway::Stage', ref: 'prod', props: { RestApiId: 'abc', StageName: 'prod' } },
      { logicalId: 'K', type: 'AWS::ApiGateway::ApiKey', ref: 'k1', props: { Enabled: true } },
      { logicalId: 'Other', type: 'AWS::ApiGateway::ApiKey', ref: 'k2', props: {} },
      { logicalId: 'P', type: 'AWS::ApiGateway::UsagePlan', ref: 'p1', props: { ApiStages: [{ ApiId: 'abc', Stage: 'prod' }], Throttle: { RateLimit: 5, BurstLimit: 2 } } },
      { logicalId: 'PK', type: 'AWS::ApiGateway::UsagePlanKey', ref: 'pk', props: { KeyId: 'k1', UsagePlanId: 'p1', KeyType: 'API_KEY' } },
    ]);
    expect(plan.apiKeys.map((k) => k.logicalId)).toEqual(['K']);
    expect(plan.usagePlans[0]).toMatchObject({ keys: ['K'], throttle: { rateLimit: 5, burstLimit: 2 } });
  });

  test('a key without Enabled is disabled, as CreateApiKey leaves it', () => {
    const [plan] = planRestApis([
      api,
      { logicalId: 'S', type: 'AWS::ApiGateway::Stage', ref: 'prod', props: { RestApiId: 'abc', StageName: 'prod' } },
      { logicalId: 'K', type: 'AWS::ApiGateway::ApiKey', ref: 'k1', props: {} },
      { logicalId: 'P', type: 'AWS::ApiGateway::UsagePlan', ref: 'p1', props: { ApiStages: [{ ApiId: 'abc', Stage: 'prod' }] } },
      { logicalId: 'PK', type: 'AWS::ApiGateway::UsagePlanKey', ref: 'pk', props: { KeyId: 'k1', UsagePlanId: 'p1', KeyType: 'API_KEY' } },
    ]);
    expect(plan.apiKeys.map((k) => [k.logicalId, k.enabled])).toEqual([['K', false]]);
  });

  test('refuses an action Uri with parameters, which it would otherwise call without them', () => {
    const uri = 'arn:aws:apigateway:us-east-1:sns:action/Publish&TopicArn={topic}';
    expect(() => planRestApis([api, method({ Type: 'AWS', Uri: uri, IntegrationHttpMethod: 'POST' })])).toThrow(
      /parameters in an action Uri are not emulated/,
    );
  });

  test('refuses what it does not emulate, by name', () => {
    expect(() => planRestApis([api, method({ Type: 'AWS_PROXY', Uri: 'x' })])).toThrow(/M: integration type AWS_PROXY is not emulated/);
    expect(() => planRestApis([api, method({ Type: 'AWS', Uri: 'arn:aws:apigateway:us-east-1:kinesis:action/PutRecord' })])).toThrow(/kinesis is not emulated/);
    expect(() => planRestApis([api, method({ Type: 'MOCK' }, { AuthorizationType: 'CUSTOM', AuthorizerId: 'a' })])).toThrow(/authorizer\) is not emulated/);
  });
});

describe('gateway responses', () => {
  test("an integration failure answers 504, as API Gateway's INTEGRATION_FAILURE does", () => {
    const answer = gatewayResponse([], { type: 'INTEGRATION_FAILURE' }, { params: { path: {}, querystring: {}, header: {} }, context: {}, stageVariables: {} });
    expect(answer.status).toBe(504);
  });
});

describe('throttling and quotas', () => {
  test('a bucket lets the burst through, then the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now = 500;
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
  });

  test('a quota resets with its period', () => {
    let now = Date.UTC(2026, 0, 1, 23);
    const quota = new Quota(1, 'DAY', () => now);
    expect([quota.take(), quota.take()]).toEqual([true, false]);
    now = Date.UTC(2026, 0, 2, 0);
    expect(quota.take()).toBe(true);
  });
});

test('SNS JSON answers are built from the XML: lists, and errors as {"Error": ...}', () => {
  const ok = '<PublishBatchResponse xmlns="x"><PublishBatchResult><Successful><member><Id>1</Id></member></Successful><Failed></Failed></PublishBatchResult></PublishBatchResponse>';
  expect(queryXmlToJson(ok)).toEqual({ PublishBatchResponse: { PublishBatchResult: { Successful: [{ Id: '1' }], Failed: [] } } });
  const error = '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>a &amp; b</Message></Error><RequestId>r</RequestId></ErrorResponse>';
  expect(queryXmlToJson(error)).toEqual({ Error: { Type: 'Sender', Code: 'InvalidParameter', Message: 'a & b' }, RequestId: 'r' });
});
