/**
 * docs/wire-contract.md's Python and Java examples, run as the page shows them against a kept
 * local run of the sample app (`event-pipeline local --app . --no-demo`, in-process). Each
 * example gets what a producer's shell has after `eval`-ing the run's endpoints file
 * (AWS_ENDPOINT_URL_SNS, AWS_REGION, dummy credentials, TOPIC_ARN, EVENTS_API_URL,
 * EVENTS_API_KEY...) and nothing of the machine's AWS settings. The changes to the page's code
 * are the ones below, and only those:
 *
 * - boto3: its `topic_arn = ...` line names the local topic instead of the placeholder ARN;
 * - urllib: none (it reads EVENTS_API_URL and EVENTS_API_KEY);
 * - Java: none; the topic ARN is its args[0], as the page says.
 *
 * Then, for each example's events (each example has its own ids and its own parcel): what the
 * topic delivered (a FIFO queue of the test's, subscribed with raw delivery, shows the body, the
 * group id, the deduplication id and the `type` attribute of each message), that the events
 * table stores each id, and that the state table holds each parcel's latest sequence.
 *
 * Python runs in .venv/wire-contract/, made once from requirements-wire-contract.txt. Java is
 * built by Maven from test/wire-contract-java/pom.xml into ~/.m2, as a producer's project would.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { main } from '../packages/tools/src/cli/index';
import type { CliIO } from '../packages/tools/src/cli/io';
import { type CommandResult, ensureVirtualenv, ROOT, runCommand } from './helpers/python-venv';

const PAGE = join(ROOT, 'docs', 'wire-contract.md');
const JAVA_PROJECT = join(__dirname, 'wire-contract-java');
const VENV = join(ROOT, '.venv', 'wire-contract');
const REQUIREMENTS = join(ROOT, 'requirements-wire-contract.txt');

// A cold virtualenv or ~/.m2 downloads boto3 or the AWS SDK for Java first.
jest.setTimeout(300_000);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** What each example publishes, as the page's code builds it. */
interface SentEvent {
  readonly id: string;
  readonly subject: string;
  readonly type: string;
  readonly sequence: number;
}
const sent = (subject: string, ids: [string, string]): SentEvent[] => [
  { id: ids[0], subject, type: 'parcel.picked-up', sequence: 1 },
  { id: ids[1], subject, type: 'parcel.in-transit', sequence: 2 },
];
const EXAMPLES = {
  boto3: sent('parcel-1', ['evt-1', 'evt-2']),
  urllib: sent('parcel-2', ['evt-3', 'evt-4']),
  java: sent('parcel-3', ['parcel-3-1', 'parcel-3-2']),
};

/** The page's fenced blocks in one language, in order. */
function fencedBlocks(markdown: string, language: string): string[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === language).map((m) => m[2]);
}

/** The one block of `blocks` that contains `marker`. */
function blockWith(blocks: readonly string[], marker: string): string {
  const found = blocks.filter((b) => b.includes(marker));
  if (found.length !== 1) throw new Error(`${PAGE}: expected one block with ${JSON.stringify(marker)}, found ${found.length}`);
  return found[0];
}

/** The boto3 example's one change: the local topic instead of the page's placeholder ARN. */
function withLocalTopic(code: string, topicArn: string): string {
  const line = /^topic_arn = .*$/m;
  if (!line.test(code)) throw new Error(`${PAGE}: the boto3 example has no \`topic_arn = ...\` line to point at the local topic`);
  return code.replace(line, `topic_arn = ${JSON.stringify(topicArn)}  # the local run's TOPIC_ARN`);
}

interface Started {
  readonly code: Promise<number>;
  stderr(): string;
  /** Ctrl-C, as the CLI's process turns it into its abort signal. */
  stop(): void;
}

/** Runs the CLI in-process, with its output readable while it runs. */
function start(argv: string[], cwd: string): Started {
  let stderr = '';
  const controller = new AbortController();
  const io: CliIO = {
    stdout: { write: () => true },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: Readable.from(['']),
    env: {},
    cwd,
    signal: controller.signal,
  };
  return { code: main(argv, io), stderr: () => stderr, stop: () => controller.abort() };
}

let dir: string;
let run: Started;
/** The endpoints file's variables: what a producer's shell has after `eval`-ing it. */
let vars: Record<string, string>;
let python: string;
let documents: DynamoDBDocumentClient;
let sqs: SQSClient;
let tapUrl: string;
/** Every message the tap queue has held, by MessageDeduplicationId. */
const tapped = new Map<string, Message[]>();
const page = readFileSync(PAGE, 'utf8');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wire-contract-'));
  const endpointsFile = join(dir, 'endpoints.json');
  // GIVEN the sample app served on the emulators, and boto3 (made while the run starts)
  const venv = ensureVirtualenv({ dir: VENV, requirements: REQUIREMENTS });
  run = start(['local', '--app', ROOT, '--cdk-out', join(dir, 'cdk.out'), '--no-demo', '--quiet', '--endpoints-file', endpointsFile], dir);
  let ended = false;
  void run.code.finally(() => (ended = true));
  while (!existsSync(endpointsFile) && !ended) await new Promise((r) => setTimeout(r, 100));
  if (ended) throw new Error(`the local run ended before it wrote ${endpointsFile} (exit ${await run.code}):\n${run.stderr()}`);
  vars = JSON.parse(readFileSync(endpointsFile, 'utf8')) as Record<string, string>;
  python = join(await venv, 'bin', 'python');

  const client = { region: vars.AWS_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  documents = DynamoDBDocumentClient.from(new DynamoDBClient({ ...client, endpoint: vars.AWS_ENDPOINT_URL_DYNAMODB }));
  // AND a tap: a FIFO queue subscribed to the topic with raw delivery, which nobody polls but this test
  sqs = new SQSClient({ ...client, endpoint: vars.AWS_ENDPOINT_URL_SQS });
  tapUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'wire-contract-tap.fifo', Attributes: { FifoQueue: 'true' } }))).QueueUrl!;
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: tapUrl, AttributeNames: ['QueueArn'] }));
  const sns = new SNSClient({ ...client, endpoint: vars.AWS_ENDPOINT_URL_SNS });
  await sns.send(
    new SubscribeCommand({ TopicArn: vars.TOPIC_ARN, Protocol: 'sqs', Endpoint: Attributes!.QueueArn, Attributes: { RawMessageDelivery: 'true' } }),
  );
  sns.destroy();
});

afterAll(async () => {
  documents?.destroy();
  sqs?.destroy();
  run?.stop();
  const code = await run?.code;
  if (dir) rmSync(dir, { recursive: true, force: true });
  // THEN the kept run stops on Ctrl-C and exits 0
  expect(code).toBe(0);
});

/**
 * The environment a producer's program gets: the endpoints file's variables, and none of this
 * machine's AWS configuration (no ~/.aws, no profile, no credentials of its own).
 */
function producerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_')) env[key] = value;
  return { ...env, AWS_CONFIG_FILE: join(dir, 'no-aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'), ...vars, ...extra };
}

/** Runs a Python example with the virtualenv's python, as a script file. */
async function runPython(name: string, code: string): Promise<CommandResult> {
  const script = join(dir, `${name}.py`);
  writeFileSync(script, code);
  return runCommand(python, [script], dir, producerEnv({ HOME: dir }));
}

/** Receives (and deletes, so that its FIFO groups move on) everything the tap queue has. */
async function readTap(): Promise<void> {
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: tapUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return;
    for (const m of Messages) {
      const id = m.Attributes?.MessageDeduplicationId ?? '(none)';
      tapped.set(id, [...(tapped.get(id) ?? []), m]);
    }
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: tapUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
}

/** Polls until `read` gives a value; the bound only keeps a broken run from hanging the suite. */
async function eventually<T>(read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const item = async (table: string, key: Record<string, string>) =>
  (await documents.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;

/**
 * THEN the topic delivered each event once, with the four fields of the contract; the events
 * table stores each id; the state table holds the parcel's latest event.
 */
async function expectArrived(events: readonly SentEvent[]): Promise<void> {
  for (const event of events) {
    const stored = await eventually(() => item(vars.EVENTS_TABLE_NAME, { id: event.id }));
    expect({ id: event.id, stored }).toMatchObject({ id: event.id, stored: { ...event, specversion: '1.0', source: 'vendor/acme' } });
  }
  await readTap();
  for (const event of events) {
    const delivered = (tapped.get(event.id) ?? []).map((m) => ({
      body: JSON.parse(m.Body!) as unknown,
      group: m.Attributes?.MessageGroupId,
      attributes: m.MessageAttributes,
    }));
    expect({ id: event.id, delivered }).toEqual({
      id: event.id,
      delivered: [
        {
          body: expect.objectContaining({ ...event, specversion: '1.0' }),
          group: event.subject,
          attributes: { type: expect.objectContaining({ DataType: 'String', StringValue: event.type }) },
        },
      ],
    });
  }
  const latest = events[events.length - 1];
  const state = await eventually(async () => {
    const found = await item(vars.STATE_TABLE_NAME, { subject: latest.subject });
    return found?.sequence === latest.sequence ? found : undefined;
  });
  expect(state).toMatchObject({ subject: latest.subject, sequence: latest.sequence, eventId: latest.id, type: latest.type });
}

describe('docs/wire-contract.md, run against the local run', () => {
  test('the page has the examples this test runs: two Python blocks (boto3, urllib) and one Java class', () => {
    const python = fencedBlocks(page, 'python');
    expect(python).toHaveLength(2);
    blockWith(python, 'import boto3');
    blockWith(python, 'import urllib.request');
    expect(fencedBlocks(page, 'java')).toHaveLength(1);
  });

  test('Python with boto3: Publish, then PublishBatch; every entry accepted', async () => {
    // WHEN the page's boto3 example runs, pointed at the local topic
    const result = await runPython('publish_boto3', withLocalTopic(blockWith(fencedBlocks(page, 'python'), 'import boto3'), vars.TOPIC_ARN));
    // THEN it prints the one Publish's MessageId (fauxqs gives no SequenceNumber), and no failed batch entry
    expect(result).toEqual({ code: 0, stdout: expect.stringMatching(/^[\w-]+ None\n$/), stderr: '' });
    await expectArrived(EXAMPLES.boto3);
  });

  test('Python over HTTP with urllib: a batch to the Events API, answered 202 with a receipt per event', async () => {
    // WHEN the page's urllib example runs as it is
    const result = await runPython('publish_api', blockWith(fencedBlocks(page, 'python'), 'import urllib.request'));
    // THEN it prints the receipts by position and no failure (an HTTPError would print its status)
    expect(result).toEqual({
      code: 0,
      stdout: expect.stringMatching(/^\[\{'index': 0, 'messageId': '[\w-]+', 'sequenceNumber': '\w*'\}, \{'index': 1, .*\}\] \[\]\n$/),
      stderr: '',
    });
    await expectArrived(EXAMPLES.urllib);
  });

  test('Java with the AWS SDK for Java 2.x: PublishBatch; both entries accepted', async () => {
    // GIVEN a Maven project with the page's class and the SDK's sns and Jackson
    const project = join(dir, 'java');
    mkdirSync(join(project, 'src', 'main', 'java'), { recursive: true });
    cpSync(join(JAVA_PROJECT, 'pom.xml'), join(project, 'pom.xml'));
    writeFileSync(join(project, 'src', 'main', 'java', 'PublishEvents.java'), fencedBlocks(page, 'java')[0]);
    // WHEN Maven compiles and runs it, with the local topic as args[0]
    const result = await runCommand('mvn', ['-q', '-B', 'compile', 'exec:java', `-Dexec.args=${vars.TOPIC_ARN}`], project, producerEnv());
    // THEN it prints each entry's Id and MessageId, and no failed entry (Maven's -q output keeps a colour reset or two)
    const stdout = stripVTControlCharacters(result.stdout);
    expect({ code: result.code, stdout, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stdout: expect.stringMatching(/^0 [\w-]+\n1 [\w-]+\n$/), stderr: '' });
    await expectArrived(EXAMPLES.java);
  });

  test("no example's event went to a dead-letter queue", async () => {
    const depth = async (url: string) => {
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
    };
    expect({
      eventLog: await depth(vars.EVENT_LOG_DEAD_LETTER_QUEUE_URL),
      stateProjector: await depth(vars.STATE_PROJECTOR_DEAD_LETTER_QUEUE_URL),
    }).toEqual({ eventLog: 0, stateProjector: 0 });
  });
});
