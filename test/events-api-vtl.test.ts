import { parseEvent } from '../packages/publisher/src/envelope';
import { renderTemplate } from '../packages/tools/src/local/apigateway/vtl';
import { VALID_EVENT } from './helpers/cloud-event';
import { synthStack } from './helpers/stack';

// The mapping templates as deployed (read from the synthesized sample stack), rendered with
// hostile values: nothing taken from a request may change what is sent to SNS or DynamoDB,
// other than the value itself. Form bodies are decoded, JSON bodies parsed, and compared field
// by field. They are rendered by the local API's own engine (packages/tools/src/local/apigateway/vtl.ts), the one
// that serves them in the local run.

type Method = { Properties: { HttpMethod: string; ResourceId: { Ref: string }; Integration: Record<string, any> } };

const STAGE = { topicArn: 'arn:aws:sns:eu-west-1:123456789012:pipeline.fifo', eventsTable: 'events', stateTable: 'state' };
let integrations: Record<string, Record<string, any>>;
let subjectIndex: string;

beforeAll(() => {
  const template = synthStack().template;
  const resources = template.toJSON().Resources as Record<string, { Properties: { PathPart?: string } }>;
  integrations = Object.fromEntries(
    Object.values(template.findResources('AWS::ApiGateway::Method') as Record<string, Method>).map((m) => [
      `${m.Properties.HttpMethod} ${resources[m.Properties.ResourceId.Ref].Properties.PathPart}`,
      m.Properties.Integration,
    ]),
  );
  const [stage] = Object.values(template.findResources('AWS::ApiGateway::Stage'));
  subjectIndex = stage.Properties.Variables.subjectIndex;
});

interface VtlInput {
  /** The request (or integration response) body, as received. */
  readonly body?: string;
  readonly path?: Record<string, string>;
  readonly querystring?: Record<string, string>;
}

/** Renders a template as API Gateway would; `status` is `$context.responseOverride.status`, when the template set it. */
function render(template: string, input: VtlInput): { output: string; status?: unknown } {
  const responseOverride: { status?: unknown; header: Record<string, string> } = { header: {} };
  const output = renderTemplate(template, {
    body: input.body ?? '',
    params: { path: { ...input.path }, querystring: { ...input.querystring }, header: {} },
    context: { requestId: 'req-1', responseOverride, requestOverride: { header: {}, querystring: {}, path: {} } },
    stageVariables: { ...STAGE, subjectIndex },
  });
  return { output, status: responseOverride.status };
}
const requestTemplate = (route: string, contentType = 'application/json') => integrations[route].RequestTemplates[contentType];
const responseTemplate = (route: string, status: string) =>
  integrations[route].IntegrationResponses.find((r: { StatusCode: string }) => r.StatusCode === status).ResponseTemplates['application/json'];

const HOSTILE_SUBJECT = 'a&TopicArn=arn:aws:sns:us-east-1:111111111111:other';
const HOSTILE_IDS = [
  `quote'd "double" \\back\\slash`,
  'line\nbreak\r\n',
  '#set($stageVariables.topicArn = "arn:aws:sns:us-east-1:111111111111:other")',
  '$stageVariables.topicArn ${input.body} $util.urlEncode("x")',
  '"}}, "TableName": "other", "x": {"y": "',
  '%26Action%3DDeleteTopic&Action=DeleteTopic',
  '+ plus, space, * star, ~ tilde',
  'Besançon ✓ 包裹 😀',
];

function form(body: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(body)) fields.set(k, [...(fields.get(k) ?? []), v]);
  return fields;
}

describe('POST /events, one event (SNS Publish)', () => {
  test.each(HOSTILE_IDS)('an id %j and a subject with &TopicArn= change nothing but their own values', (id) => {
    // GIVEN an event whose id, subject, type, source and data are hostile
    const event = { ...VALID_EVENT, id, subject: HOSTILE_SUBJECT, type: `type ${id}`, source: id, data: { note: id } };
    const body = JSON.stringify(event, null, 2);
    for (const contentType of ['application/json', 'application/cloudevents+json']) {
      // WHEN the request template renders it
      const fields = form(render(requestTemplate('POST events', contentType), { body }).output);
      // THEN the form holds exactly the fields of one Publish, each once, with the values sent
      expect(Object.fromEntries(fields)).toEqual({
        Action: ['Publish'],
        TopicArn: [STAGE.topicArn],
        Message: [body],
        MessageGroupId: [HOSTILE_SUBJECT],
        MessageDeduplicationId: [id],
        'MessageAttributes.entry.1.Name': ['type'],
        'MessageAttributes.entry.1.Value.DataType': ['String'],
        'MessageAttributes.entry.1.Value.StringValue': [`type ${id}`],
      });
      // AND the message is the body byte for byte, which the consumers parse back to the event
      expect(parseEvent(fields.get('Message')![0])).toEqual(expect.objectContaining({ id, subject: HOSTILE_SUBJECT, data: { note: id } }));
    }
  });
});

describe('POST /events, a batch (SNS PublishBatch)', () => {
  test('ten hostile events give ten entries, indexed, each with its own values and nothing else', () => {
    // GIVEN ten events, with hostile ids
    const events = Array.from({ length: 10 }, (_, i) => ({ ...VALID_EVENT, id: HOSTILE_IDS[i % HOSTILE_IDS.length] + i, subject: `${HOSTILE_SUBJECT}-${i}`, sequence: i }));
    // WHEN the batch template renders them
    const fields = form(render(requestTemplate('POST events', 'application/cloudevents-batch+json'), { body: JSON.stringify(events) }).output);
    // THEN the form is one PublishBatch to our topic, with exactly these entries
    const expected: Record<string, string[]> = { Action: ['PublishBatch'], TopicArn: [STAGE.topicArn] };
    events.forEach((event, i) => {
      const entry = `PublishBatchRequestEntries.member.${i + 1}.`;
      Object.assign(expected, {
        [`${entry}Id`]: [String(i)],
        [`${entry}Message`]: [JSON.stringify(event)],
        [`${entry}MessageGroupId`]: [event.subject],
        [`${entry}MessageDeduplicationId`]: [event.id],
        [`${entry}MessageAttributes.entry.1.Name`]: ['type'],
        [`${entry}MessageAttributes.entry.1.Value.DataType`]: ['String'],
        [`${entry}MessageAttributes.entry.1.Value.StringValue`]: [event.type],
      });
    });
    expect(Object.fromEntries(fields)).toEqual(expected);
  });

  test('each message is the event re-serialized ($input.json): the same JSON, without the whitespace sent', () => {
    const event = { ...VALID_EVENT, data: { nested: { list: [1, 2.5, 'é'] } } };
    const fields = form(render(requestTemplate('POST events', 'application/cloudevents-batch+json'), { body: JSON.stringify([event], null, 2) }).output);
    const message = fields.get('PublishBatchRequestEntries.member.1.Message')![0];
    expect(message).toBe(JSON.stringify(event));
    expect(parseEvent(message)).toEqual(parseEvent(JSON.stringify(event)));
  });
});

describe('GET routes (DynamoDB)', () => {
  const json = (template: string, input: VtlInput) => JSON.parse(render(template, input).output);

  test.each(HOSTILE_IDS)('GET /events/{id} with the id %j asks for exactly that key', (id) => {
    expect(json(requestTemplate('GET {id}'), { path: { id } })).toEqual({ TableName: 'events', Key: { id: { S: id } } });
  });

  test.each(HOSTILE_IDS)('GET /subjects/{subject} with the subject %j asks for exactly that key', (subject) => {
    expect(json(requestTemplate('GET {subject}'), { path: { subject } })).toEqual({ TableName: 'state', Key: { subject: { S: subject } } });
  });

  const query = (subject: string, after: string, limit: number) => ({
    TableName: 'events',
    IndexName: 'bySubject',
    KeyConditionExpression: '#subject = :subject AND #sequence > :after',
    ExpressionAttributeNames: { '#subject': 'subject', '#sequence': 'sequence' },
    ExpressionAttributeValues: { ':subject': { S: subject }, ':after': { N: after } },
    ScanIndexForward: true,
    Limit: limit,
  });

  test.each(HOSTILE_IDS)('GET /subjects/{subject}/events with the subject and after %j: only those values change', (value) => {
    expect(json(requestTemplate('GET events'), { path: { subject: value }, querystring: { after: value } })).toEqual(query(value, value, 25));
  });

  test.each([
    ['absent', undefined, 25],
    ['1', '1', 1],
    ['100', '100', 100],
    ['0', '0', 0],
    ['101', '101', 0],
    ['07', '07', 0],
    ['2.5', '2.5', 0],
    ['a JSON fragment', '5, "Limit": 1000', 0],
  ])('limit %s gives Limit %s (0 is refused by DynamoDB: 400)', (_name, limit, expected) => {
    const querystring: Record<string, string> = limit === undefined ? {} : { limit };
    expect(json(requestTemplate('GET events'), { path: { subject: 's' }, querystring })).toEqual(query('s', '-1', expected as number));
  });
});

describe('answers', () => {
  // An events-table item as the event log writes it (lib-dynamodb marshalling)
  const stored = {
    ...VALID_EVENT,
    id: HOSTILE_IDS[0],
    source: HOSTILE_IDS[7],
    data: { text: HOSTILE_IDS[4], n: 2.5, yes: true, no: false, none: null, list: [1, 'two', { three: [3] }], empty: {} },
  };
  const S = (s: string) => ({ S: s });
  const attribute = (v: unknown): unknown => {
    if (v === null) return { NULL: true };
    if (typeof v === 'string') return S(v);
    if (typeof v === 'number') return { N: String(v) };
    if (typeof v === 'boolean') return { BOOL: v };
    if (Array.isArray(v)) return { L: v.map(attribute) };
    return { M: Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, attribute(x)])) };
  };
  const item = { ...(attribute(stored) as { M: object }).M, receivedAt: S('2025-03-01T12:00:00.000Z'), expiresAt: { N: '1743508800' } };
  const answer = (route: string, body: unknown, status = '200') => render(responseTemplate(route, status), { body: JSON.stringify(body) });

  test('GET /events/{id}: 200 with the stored event as it was published', () => {
    const { output, status } = answer('GET {id}', { Item: item });
    expect(status).toBeUndefined();
    expect(JSON.parse(output)).toEqual(stored);
  });

  test('GET /events/{id}: 404 while it is not stored', () => {
    const { output, status } = answer('GET {id}', {});
    expect(status).toBe(404);
    expect(JSON.parse(output)).toEqual({ error: 'NotFound', message: 'no event with this id is stored (yet)' });
  });

  test('GET /subjects/{subject}: 200 with the state, or 404', () => {
    const state = { subject: S('order-1'), sequence: { N: '3' }, eventId: S('e3'), type: S('t'), source: S('s'), updatedAt: S('2025-03-01T12:00:00.000Z'), data: attribute({ a: 1 }) };
    expect(JSON.parse(answer('GET {subject}', { Item: state }).output)).toEqual({
      subject: 'order-1',
      sequence: 3,
      eventId: 'e3',
      type: 't',
      source: 's',
      updatedAt: '2025-03-01T12:00:00.000Z',
      data: { a: 1 },
    });
    expect(answer('GET {subject}', {}).status).toBe(404);
  });

  test('GET /subjects/{subject}/events: the events in order, and next (the last sequence) when there are more', () => {
    const two = [item, { ...item, sequence: { N: '2' } }];
    expect(JSON.parse(answer('GET events', { Items: two, Count: 2, LastEvaluatedKey: { id: S('x') } }).output)).toEqual({
      events: [stored, { ...stored, sequence: 2 }],
      next: '2',
    });
    expect(JSON.parse(answer('GET events', { Items: two, Count: 2 }).output)).toEqual({ events: [stored, { ...stored, sequence: 2 }] });
    expect(JSON.parse(answer('GET events', { Items: [], Count: 0 }).output)).toEqual({ events: [] });
  });

  test('POST /events: 202 with the topic receipt, or a receipt per event and the failed entries', () => {
    expect(JSON.parse(answer('POST events', { PublishResponse: { PublishResult: { MessageId: 'm-1', SequenceNumber: '10000000000000000001' } } }, '202').output)).toEqual({
      messageId: 'm-1',
      sequenceNumber: '10000000000000000001',
    });
    const batch = {
      PublishBatchResponse: {
        PublishBatchResult: {
          Successful: [
            { Id: '0', MessageId: 'm-0', SequenceNumber: '1' },
            { Id: '2', MessageId: 'm-2', SequenceNumber: '2' },
          ],
          Failed: [{ Id: '1', Code: 'InternalError', Message: 'arn:aws:sns:eu-west-1:123456789012:pipeline.fifo failed', SenderFault: false }],
        },
      },
    };
    expect(JSON.parse(answer('POST events', batch, '202').output)).toEqual({
      receipts: [
        { index: 0, messageId: 'm-0', sequenceNumber: '1' },
        { index: 2, messageId: 'm-2', sequenceNumber: '2' },
      ],
      failed: [{ index: 1, code: 'InternalError', senderFault: false }],
    });
  });

  test.each([
    ['InvalidParameter', 'Invalid parameter: Message too long', 413, 'PayloadTooLarge'],
    ['BatchRequestTooLong', 'The length of all the messages put together is more than the limit.', 413, 'PayloadTooLarge'],
    ['KMSThrottling', 'Rate exceeded', 429, 'Throttled'],
    ['InvalidParameter', 'Invalid parameter: MessageGroupId', undefined, 'BadRequest'],
    ['AuthorizationError', 'User: arn:aws:sts::123456789012:assumed-role/x is not authorized on arn:aws:sns:eu-west-1:123456789012:pipeline.fifo', 500, 'InternalError'],
    ['KMSAccessDenied', 'arn:aws:kms:eu-west-1:123456789012:key/1', 500, 'InternalError'],
  ])('SNS %s (%s) is answered %s as %s, with no ARN or SNS message', (code, message, status, error) => {
    const { output, status: override } = answer('POST events', { Error: { Code: code, Message: message, Type: 'Sender' }, RequestId: 'r' }, '400');
    expect(override).toBe(status);
    expect(JSON.parse(output).error).toBe(error);
    expect(output).not.toMatch(/arn:|123456789012/);
    expect(output).not.toContain(message);
  });

  test.each([
    ['com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', 429, 'Throttled'],
    ['com.amazonaws.dynamodb.v20120810#ThrottlingException', 429, 'Throttled'],
    ['com.amazon.coral.validate#ValidationException', undefined, 'BadRequest'],
    ['com.amazon.coral.service#AccessDeniedException', 500, 'InternalError'],
  ])('DynamoDB %s is answered %s as %s', (type, status, error) => {
    for (const route of ['GET {id}', 'GET {subject}', 'GET events']) {
      const { output, status: override } = answer(route, { __type: type, message: 'arn:aws:dynamodb:eu-west-1:123456789012:table/events' }, '400');
      expect([route, override, JSON.parse(output).error]).toEqual([route, status, error]);
      expect(output).not.toMatch(/arn:/);
    }
  });

  test('throttling by SNS (429) and a 5xx from either service are answered without anything from the service', () => {
    for (const route of ['POST events', 'GET {id}']) {
      expect(JSON.parse(answer(route, {}, '429').output)).toEqual(expect.objectContaining({ error: 'Throttled', retryAfterSeconds: 1 }));
      expect(JSON.parse(answer(route, {}, '503').output)).toEqual(expect.objectContaining({ error: 'ServiceUnavailable', retryAfterSeconds: 1 }));
    }
  });
});
