/**
 * The local run serves a user's own REST API from its synthesized template, as API Gateway does:
 * a Publish integration lands the message in the subscribed FIFO queue with its group,
 * deduplication id and attributes; GetItem answers 200, 404 (response override) or the status a
 * selection pattern picks; API keys, validation and media types answer as API Gateway answers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { App, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { LocalPipeline } from '../../packages/tools/src/local/pipeline';

const PROJECT_DIR = join(__dirname, '..', '..');
jest.setTimeout(120_000);

const PUBLISH_TEMPLATE = (topicArn: string) =>
  [
    'Action=Publish',
    `&TopicArn=$util.urlEncode("${topicArn}")`,
    '&Message=$util.urlEncode($input.body)',
    "&MessageGroupId=$util.urlEncode($input.path('$.subject'))",
    "&MessageDeduplicationId=$util.urlEncode($input.path('$.id'))",
    '&MessageAttributes.entry.1.Name=type',
    '&MessageAttributes.entry.1.Value.DataType=String',
    "&MessageAttributes.entry.1.Value.StringValue=$util.urlEncode($input.path('$.type'))",
  ].join('');

function buildStack(stack: Stack): void {
  const topic = new sns.Topic(stack, 'Topic', { fifo: true, contentBasedDeduplication: false });
  const queue = new sqs.Queue(stack, 'Queue', { fifo: true });
  topic.addSubscription(new subs.SqsSubscription(queue, { rawMessageDelivery: true }));
  const table = new dynamodb.Table(stack, 'Events', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
  const role = new iam.Role(stack, 'ApiRole', { assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com') });
  topic.grantPublish(role);
  table.grantReadData(role);

  const api = new apigw.RestApi(stack, 'Api', { cloudWatchRole: false });
  const model = api.addModel('Event', {
    contentType: 'application/json',
    schema: {
      type: apigw.JsonSchemaType.OBJECT,
      required: ['id', 'subject', 'type'],
      properties: { id: { type: apigw.JsonSchemaType.STRING }, subject: { type: apigw.JsonSchemaType.STRING }, type: { type: apigw.JsonSchemaType.STRING } },
    },
  });
  const validator = api.addRequestValidator('Body', { validateRequestBody: true });
  api.addGatewayResponse('BadBody', {
    type: apigw.ResponseType.BAD_REQUEST_BODY,
    statusCode: '400',
    templates: { 'application/json': '{"message":"$context.error.validationErrorString"}' },
  });
  const events = api.root.addResource('events');
  events.addMethod(
    'POST',
    new apigw.AwsIntegration({
      service: 'sns',
      path: '/',
      integrationHttpMethod: 'POST',
      options: {
        credentialsRole: role,
        passthroughBehavior: apigw.PassthroughBehavior.NEVER,
        requestParameters: {
          'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'",
          'integration.request.header.Accept': "'application/json'",
        },
        requestTemplates: { 'application/json': PUBLISH_TEMPLATE(topic.topicArn) },
        integrationResponses: [
          {
            statusCode: '202',
            responseTemplates: {
              'application/json':
                "#set($r = $input.path('$.PublishResponse.PublishResult'))" +
                '{"id":"$util.escapeJavaScript($input.params(\'x-event-id\'))","messageId":"$r.MessageId","sequenceNumber":"$r.SequenceNumber"}',
            },
          },
          { statusCode: '502', selectionPattern: '4\\d{2}', responseTemplates: { 'application/json': '{"message":"rejected"}' } },
        ],
      },
    }),
    { apiKeyRequired: true, requestModels: { 'application/json': model }, requestValidator: validator, methodResponses: [{ statusCode: '202' }, { statusCode: '502' }] },
  );
  const getItem = (tableName: string) =>
    new apigw.AwsIntegration({
      service: 'dynamodb',
      action: 'GetItem',
      options: {
        credentialsRole: role,
        requestTemplates: {
          'application/json': `{"TableName":"${tableName}","Key":{"id":{"S":"$util.escapeJavaScript($input.params('id'))"}}}`,
        },
        integrationResponses: [
          {
            statusCode: '200',
            responseTemplates: {
              'application/json':
                "#set($item = $input.path('$.Item'))" +
                '#if("$!item" == "")#set($context.responseOverride.status = 404){"message":"not stored"}' +
                '#else{"id":"$item.id.S","type":"$item.type.S"}#end',
            },
          },
          { statusCode: '503', selectionPattern: '4\\d{2}', responseTemplates: { 'application/json': '{"message":"unavailable"}' }, responseParameters: { 'method.response.header.Retry-After': "'1'" } },
        ],
      },
    });
  const opts = { methodResponses: [{ statusCode: '200' }, { statusCode: '404' }, { statusCode: '503', responseParameters: { 'method.response.header.Retry-After': true } }] };
  events.addResource('{id}').addMethod('GET', getItem(table.tableName), opts);
  api.root.addResource('broken').addResource('{id}').addMethod('GET', getItem('no-such-table'), opts);

  // A batch: PublishBatch, with the JSON answer walked by the response template; IAM auth, not enforced locally.
  const batchTemplate =
    `Action=PublishBatch&TopicArn=$util.urlEncode("${topic.topicArn}")` +
    "#foreach($e in $input.path('$'))#set($i = $foreach.count)#set($j = $foreach.index)" +
    '&PublishBatchRequestEntries.member.${i}.Id=$i' +
    '&PublishBatchRequestEntries.member.${i}.Message=$util.urlEncode($input.json("$[${j}]"))' +
    '&PublishBatchRequestEntries.member.${i}.MessageGroupId=$util.urlEncode($e.subject)' +
    '&PublishBatchRequestEntries.member.${i}.MessageDeduplicationId=$util.urlEncode($e.id)#end';
  api.root.addResource('batches').addMethod(
    'POST',
    new apigw.AwsIntegration({
      service: 'sns',
      action: 'PublishBatch',
      integrationHttpMethod: 'POST',
      options: {
        credentialsRole: role,
        requestParameters: {
          'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'",
          'integration.request.header.Accept': "'application/json'",
        },
        requestTemplates: { 'application/json': batchTemplate },
        integrationResponses: [
          {
            statusCode: '202',
            responseTemplates: {
              'application/json':
                "#set($r = $input.path('$.PublishBatchResponse.PublishBatchResult'))" +
                '{"accepted":$r.Successful.size(),"failed":$r.Failed.size(),"ids":[#foreach($s in $r.Successful)"$s.Id"#if($foreach.hasNext),#end#end]}',
            },
          },
        ],
      },
    }),
    { authorizationType: apigw.AuthorizationType.IAM, methodResponses: [{ statusCode: '202' }] },
  );
  const mock = api.root.addResource('health');
  mock.addMethod(
    'GET',
    new apigw.MockIntegration({
      requestTemplates: { 'application/json': '{"statusCode": #if($input.params(\'fail\') == "yes")500#else 200#end}' },
      integrationResponses: [
        { statusCode: '200', responseTemplates: { 'application/json': '{"stage":"$context.stage","path":"$context.resourcePath"}' } },
        { statusCode: '500', selectionPattern: '5\\d{2}', responseTemplates: { 'application/json': '{"message":"down"}' } },
      ],
    }),
    { methodResponses: [{ statusCode: '200' }, { statusCode: '500' }] },
  );
  const limited = api.root.addResource('limited');
  limited.addMethod('GET', new apigw.MockIntegration({ requestTemplates: { 'application/json': '{"statusCode": 200}' }, integrationResponses: [{ statusCode: '200' }] }), {
    apiKeyRequired: true,
    methodResponses: [{ statusCode: '200' }],
  });
  const onceADay = api.addUsagePlan('OnceADay', { quota: { limit: 1, period: apigw.Period.DAY } });
  onceADay.addApiKey(api.addApiKey('Limited'));
  onceADay.addApiStage({ stage: api.deploymentStage });

  const key = api.addApiKey('Partner');
  const plan = api.addUsagePlan('Plan', { throttle: { rateLimit: 1000, burstLimit: 1000 } });
  plan.addApiKey(key);
  plan.addApiStage({ stage: api.deploymentStage });
}

describe('the local API Gateway, on a REST API of the user\'s own', () => {
  let dir: string;
  let pipeline: LocalPipeline;
  let stageUrl: string;
  let apiKey: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'local-api-'));
    const app = new App({ outdir: join(dir, 'cdk.out') });
    buildStack(new Stack(app, 'ApiStack'));
    app.synth();
    pipeline = await LocalPipeline.start({ projectDir: PROJECT_DIR, cdkOut: join(dir, 'cdk.out'), synth: false, logDir: join(dir, 'logs') });
    const [api] = pipeline.apis;
    stageUrl = api.stages.find((s) => s.name === 'prod')!.url;
    apiKey = api.apiKeys.find((k) => k.logicalId.startsWith('ApiPartner'))!.value;
  });

  afterAll(async () => {
    await pipeline?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${stageUrl}/events`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-api-key': apiKey, ...headers } });

  test('serves the stage URL and a made-up 40-character key', () => {
    expect(stageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/prod$/);
    expect(apiKey).toMatch(/^[A-Za-z0-9]{40}$/);
  });

  test('a Publish lands in the subscribed FIFO queue with its group, deduplication id and type, and the receipt comes from the JSON answer', async () => {
    // GIVEN an event whose subject would inject a parameter into an unencoded form body
    const event = { id: "evt-'1\"\n#set", subject: 'a&TopicArn=arn:aws:sns:us-east-1:000000000000:other', type: 'parcel.picked-up', data: { text: 'é😀' } };
    const body = JSON.stringify(event);
    // WHEN it is posted with the key
    const res = await post(body, { 'x-event-id': 'evt-1' });
    // THEN 202 with the topic's message id and sequence number
    expect(res.status).toBe(202);
    const receipt = (await res.json()) as Record<string, string>;
    expect(receipt.id).toBe('evt-1');
    expect(receipt.messageId).toMatch(/\S/);
    // fauxqs answers a FIFO Publish without SequenceNumber (listed in packages/tools/src/local/differences.ts), so it renders empty.
    expect(receipt.sequenceNumber).toBe('');
    const queue = pipeline.plan.queues[0];
    const { Messages = [] } = await pipeline.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }),
    );
    expect(Messages).toHaveLength(1);
    expect(Messages[0].Body).toBe(body);
    expect(Messages[0].Attributes?.MessageGroupId).toBe(event.subject);
    expect(Messages[0].Attributes?.MessageDeduplicationId).toBe(event.id);
    expect(Messages[0].MessageAttributes?.type?.StringValue).toBe('parcel.picked-up');
  });

  test('without the key, or with a wrong one, answers 403 Forbidden', async () => {
    const body = JSON.stringify({ id: 'x', subject: 's', type: 't' });
    for (const headers of [{ 'x-api-key': '' }, { 'x-api-key': 'not-a-key' }]) {
      const res = await post(body, headers);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ message: 'Forbidden' });
    }
  });

  test('an unknown stage, path or method answers 403 Missing Authentication Token', async () => {
    const base = stageUrl.replace(/\/prod$/, '');
    for (const [url, method] of [[`${base}/dev/events`, 'POST'], [`${stageUrl}/nothing`, 'GET'], [`${stageUrl}/events`, 'DELETE']]) {
      const res = await fetch(url, { method });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ message: 'Missing Authentication Token' });
    }
  });

  test('an invalid body answers 400 with the validation error string in the gateway response template', async () => {
    const res = await post(JSON.stringify({ subject: 's', type: 't' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: '[object has missing required properties (["id"])]' });
  });

  test('a content type with no template answers 415 under passthrough NEVER', async () => {
    const res = await post('id=1', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ message: 'Unsupported Media Type' });
  });

  test('GetItem answers 200 with the stored item, 404 when none is stored, and 503 with Retry-After by selection pattern', async () => {
    const tableName = pipeline.plan.tables[0].name;
    await pipeline.clients.dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { id: { S: 'e/1 é' }, type: { S: 'parcel.delivered' } } }));
    const stored = await fetch(`${stageUrl}/events/${encodeURIComponent('e/1 é')}`);
    expect(stored.status).toBe(200);
    expect(await stored.json()).toEqual({ id: 'e/1 é', type: 'parcel.delivered' });
    const missing = await fetch(`${stageUrl}/events/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: 'not stored' });
    const broken = await fetch(`${stageUrl}/broken/1`);
    expect(broken.status).toBe(503);
    expect(broken.headers.get('retry-after')).toBe('1');
    expect(await broken.json()).toEqual({ message: 'unavailable' });
  });

  test('a batch goes to PublishBatch (IAM auth is not enforced) and the receipt walks the JSON answer', async () => {
    const batch = [
      { id: 'b-1', subject: 'parcel-9', type: 't' },
      { id: 'b-2', subject: 'parcel-9', type: 't' },
    ];
    const res = await fetch(`${stageUrl}/batches`, { method: 'POST', body: JSON.stringify(batch), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 2, failed: 0, ids: ['1', '2'] });
    const { Messages = [] } = await pipeline.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: pipeline.plan.queues[0].url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }),
    );
    expect(Messages.map((m) => [JSON.parse(m.Body!).id, m.Attributes?.MessageGroupId])).toEqual([
      ['b-1', 'parcel-9'],
      ['b-2', 'parcel-9'],
    ]);
  });

  test('a MOCK integration takes its status from the rendered request template', async () => {
    const up = await fetch(`${stageUrl}/health`);
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ stage: 'prod', path: '/health' });
    const down = await fetch(`${stageUrl}/health?fail=yes`);
    expect(down.status).toBe(500);
    expect(await down.json()).toEqual({ message: 'down' });
  });

  test('a usage plan quota of one request a day answers 429 Limit Exceeded to the second', async () => {
    const limitedKey = pipeline.apis[0].apiKeys.find((k) => k.logicalId.startsWith('ApiLimited'))!.value;
    const first = await fetch(`${stageUrl}/limited`, { headers: { 'x-api-key': limitedKey } });
    expect(first.status).toBe(200);
    const second = await fetch(`${stageUrl}/limited`, { headers: { 'x-api-key': limitedKey } });
    expect(second.status).toBe(429);
    expect(await second.json()).toEqual({ message: 'Limit Exceeded' });
    // The other plan's key is not the quota's.
    expect((await fetch(`${stageUrl}/limited`, { headers: { 'x-api-key': apiKey } })).status).toBe(200);
  });

  test('counts the requests it answered by status code', () => {
    const stats = pipeline.apis[0].stats;
    expect(stats.byStatus['202']).toBeGreaterThanOrEqual(1);
    expect(stats.byStatus['403']).toBeGreaterThanOrEqual(5);
    expect(stats.latenciesMs.length).toBe(Object.values(stats.byStatus).reduce((a, b) => a + b, 0));
  });
});
