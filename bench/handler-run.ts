/**
 * One handler throughput run, in a process of its own (started by
 * bench/handlers.ts): a DynamoDB emulator with a request counter in a worker
 * thread, the handler bundle in the main thread, fed batches one at a time the
 * way one warm Lambda execution environment gets them. The parent asks for the
 * run slice by slice, so that the variants take turns on the machine.
 */
import { createRequire } from 'module';
import { performance } from 'perf_hooks';
import { CreateTableCommand, DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { FaultProxy } from '../reliability/fault-proxy';
import { countsSince, startDynamoDbCounter } from './dynamodb-counter';
import { benchScenario, toBatches, toRecords, type BatchShape } from './handler-stream';

export interface HandlerRunSpec {
  /** The bundle to load, exporting `handler`. */
  readonly bundle: string;
  readonly table: 'events' | 'state';
  readonly batchSize: number;
  readonly shape: BatchShape;
  readonly events: number;
  readonly subjects: number;
  /**
   * Puts the reliability suite's fault proxy between the handler and DynamoDB,
   * delaying every request by this many milliseconds on average (uniformly
   * between half and one and a half times it); 0 passes requests through it
   * undelayed. @default no proxy
   */
  readonly latencyMs?: number;
}

/** The DynamoDB operations the default handlers call, every one of which the latency applies to. */
const HANDLER_OPERATIONS = ['BatchWriteItem', 'PutItem', 'UpdateItem', 'GetItem', 'Query'];

export interface HandlerRunResult {
  readonly records: number;
  readonly invocations: number;
  /** Mean time of one invocation, what Lambda would bill (before rounding up to the ms). */
  readonly meanInvocationMs: number;
  readonly failedRecords: number;
  /** DynamoDB requests by action, and items and write request units by table. */
  readonly requests: Record<string, number>;
  readonly items: number;
  readonly writeUnits: number;
  /** The table matches the in-order fold of the events (state), or holds every event once (events). */
  readonly verified: boolean;
  readonly verifyDetail: string;
}

const TABLE = { events: 'bench-events', state: 'bench-state' } as const;

async function createTables(client: DynamoDBClient): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: TABLE.events,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'subject', AttributeType: 'S' },
        { AttributeName: 'sequence', AttributeType: 'N' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'bySubject',
          KeySchema: [
            { AttributeName: 'subject', KeyType: 'HASH' },
            { AttributeName: 'sequence', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  await client.send(
    new CreateTableCommand({
      TableName: TABLE.state,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'subject', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'subject', AttributeType: 'S' }],
    }),
  );
}

async function scan(client: DynamoDBClient, table: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

function context(n: number): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'bench',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench',
    memoryLimitInMB: '256',
    awsRequestId: `req-${n}`,
    logGroupName: '/aws/lambda/bench',
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Prepares a run: emulator, tables, stream, loaded handler. Slices then run on demand. */
export async function prepareRun(spec: HandlerRunSpec, slices: number) {
  const dynamodb = await startDynamoDbCounter();
  const proxy = spec.latencyMs === undefined ? undefined : await FaultProxy.start({ target: dynamodb.endpoint, seed: 7 });
  if (proxy && spec.latencyMs! > 0) proxy.setRules([{ kind: 'slow', rate: 1, delayMs: spec.latencyMs, operations: HANDLER_OPERATIONS }]);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: proxy?.endpoint ?? dynamodb.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TABLE_NAME: TABLE[spec.table],
    POWERTOOLS_SERVICE_NAME: 'bench',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  const client = new DynamoDBClient({});
  await createTables(client);
  const scenario = benchScenario(spec.events, spec.subjects);
  const batches = toBatches(toRecords(scenario, spec.table === 'state'), spec.batchSize, spec.shape);
  // The bundle is CommonJS, as Lambda loads it.
  const { handler } = createRequire(__filename)(spec.bundle) as { handler: (e: SQSEvent, c: Context) => Promise<SQSBatchResponse | void> };
  const before = await dynamodb.counts();
  const perSlice = Math.ceil(batches.length / slices);
  let invocation = 0;
  let busyMs = 0;
  let failedRecords = 0;

  return {
    /** Runs the k-th of `slices` equal runs of consecutive batches; returns its wall time and records. */
    async slice(k: number): Promise<SliceResult> {
      const part = batches.slice(k * perSlice, (k + 1) * perSlice);
      const started = performance.now();
      for (const Records of part) {
        const t = performance.now();
        const response = await handler({ Records }, context(invocation++));
        busyMs += performance.now() - t;
        failedRecords += response?.batchItemFailures?.length ?? 0;
      }
      return { index: k, wallMs: performance.now() - started, records: part.reduce((n, b) => n + b.length, 0) };
    },
    /** Counts, verification and clean-up, once every slice ran. */
    async finish(): Promise<HandlerRunResult> {
      try {
        const after = await dynamodb.counts();
        const table = TABLE[spec.table];
        const requests = countsSince(before.requests, after.requests);
        const check =
          spec.table === 'state'
            ? verifyState(await scan(client, TABLE.state), scenario)
            : verifyEvents(await scan(client, TABLE.events), scenario);
        return {
          records: batches.reduce((n, b) => n + b.length, 0),
          invocations: batches.length,
          meanInvocationMs: busyMs / batches.length,
          failedRecords,
          requests,
          items: (after.items[table] ?? 0) - (before.items[table] ?? 0),
          writeUnits: (after.writeUnits[table] ?? 0) - (before.writeUnits[table] ?? 0),
          ...check,
        };
      } finally {
        client.destroy();
        await proxy?.stop();
        await dynamodb.stop();
      }
    },
  };
}

export interface SliceResult {
  readonly index: number;
  readonly wallMs: number;
  readonly records: number;
}

type Check = Pick<HandlerRunResult, 'verified' | 'verifyDetail'>;

/** Every subject's item is its event with the highest sequence: the in-order fold. */
function verifyState(items: Record<string, AttributeValue>[], scenario: ReturnType<typeof benchScenario>): Check {
  const expected = scenario.expectedState;
  const wrong = items.filter((item) => {
    const want = expected.get(item.subject?.S ?? '');
    return !want || Number(item.sequence?.N) !== want.sequence || item.eventId?.S !== want.eventId;
  });
  const verified = items.length === expected.size && wrong.length === 0;
  return { verified, verifyDetail: `${items.length - wrong.length}/${expected.size} subjects equal the in-order fold` };
}

/** Every event is stored once, under its id. */
function verifyEvents(items: Record<string, AttributeValue>[], scenario: ReturnType<typeof benchScenario>): Check {
  const ids = new Set(items.map((item) => item.id?.S));
  const missing = scenario.events.filter((e) => !ids.has(e.id)).length;
  return {
    verified: missing === 0 && items.length === scenario.events.length,
    verifyDetail: `${items.length} items for ${scenario.events.length} events, ${missing} missing`,
  };
}

/**
 * Protocol with the parent: argv[2] is the spec and argv[3] the number of
 * slices; 'ready' once prepared, then { slice: k } -> { slice: result }, and
 * 'finish' -> { result } before exiting.
 */
if (require.main === module) {
  const fail = (error: unknown) =>
    process.send?.({ error: error instanceof Error ? error.stack : String(error) }, () => process.exit(1));
  prepareRun(JSON.parse(process.argv[2]) as HandlerRunSpec, Number(process.argv[3])).then((run) => {
    process.on('message', (m: { slice?: number; finish?: boolean }) => {
      if (m.slice !== undefined) run.slice(m.slice).then((slice) => process.send?.({ slice }), fail);
      if (m.finish) run.finish().then((result) => process.send?.({ result }, () => process.exit(0)), fail);
    });
    process.send?.({ ready: true });
  }, fail);
}
