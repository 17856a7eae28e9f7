/**
 * The state projector's conditional write on the real DynamoDB engine of the local run (dynalite),
 * not a mock: `sequence` is compared as a number, so 10 is newer than 9 and 100 newer than 99,
 * whatever order the events arrive in and whether the sequence was sent as a number or a string.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { createStateProjectorHandler, type StateProjectorHandler } from '../../lambda/state-projector/handler';
import { NOW, cloudEvent, quietLogger, sqsEvent, sqsRecord } from './fixtures';

const TABLE = 'state';
let server: Server;
let client: DynamoDBDocumentClient;
let handler: StateProjectorHandler;

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // GIVEN dynalite in memory with the state table (keyed by subject), and the state projector writing to it
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require('dynalite') as (options: { createTableMs: number }) => Server;
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const raw = new DynamoDBClient({
    region: 'eu-west-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await raw.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: 'subject', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'subject', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  handler = createStateProjectorHandler({ client, tableName: TABLE, logger: quietLogger(), now: () => NOW });
});

afterAll(async () => {
  client?.destroy();
  await new Promise((resolve) => server?.close(resolve));
});

/** Applies each sequence to `subject` in its own invocation, in the order given. */
async function apply(subject: string, sequences: readonly (number | string)[]): Promise<void> {
  for (const [n, sequence] of sequences.entries()) {
    const id = `${subject}-${String(sequence)}-${n}`;
    const out = await handler(sqsEvent(sqsRecord(cloudEvent({ id, subject, sequence }), id, subject)));
    expect(out.batchItemFailures).toEqual([]);
  }
}

async function stored(subject: string): Promise<{ sequence: unknown; eventId: unknown }> {
  const { Item } = await client.send(new GetCommand({ TableName: TABLE, Key: { subject } }));
  return { sequence: Item?.sequence, eventId: Item?.eventId };
}

test.each([
  ['9 then 10', [9, 10], 10],
  ['10 then 9', [10, 9], 10],
  ['99 then 100', [99, 100], 100],
  ['100 then 99', [100, 99], 100],
  ['1, 2, 9, 10, 11 out of order', [2, 11, 1, 10, 9], 11],
  ['"9" then "10" as strings', ['9', '10'], 10],
  ['"100" then "99" as strings', ['100', '99'], 100],
  ['99, 100, 101, 1000 with a repeat', [99, 1000, 100, 1000, 101], 1000],
])('%s: the stored state is the numerically newest', async (name, sequences, newest) => {
  // WHEN the events of one subject are applied in this order
  const subject = `subject ${name}`;
  await apply(subject, sequences);
  // THEN the state holds the event with the highest sequence, as a number
  const index = sequences.findIndex((s) => Number(s) === newest);
  expect(await stored(subject)).toEqual({ sequence: newest, eventId: `${subject}-${String(sequences[index])}-${index}` });
});
