import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import {
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
  SetSubscriptionAttributesCommand,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { type ArchiveReplaySummary, parseTime, replayPolicy } from '../../packages/tools/src/cli/archive-replay';
import { consumerName } from '../../packages/tools/src/cli/resources';
import { REGION, STACK_OUTPUTS, cli } from './helpers';

const cloudformation = mockClient(CloudFormationClient);
const sns = mockClient(SNSClient);

const ACCOUNT = '123456789012';
const TOPIC_ARN = STACK_OUTPUTS.find((o) => o.OutputKey === 'TopicArn')!.OutputValue;
const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
const SUBSCRIPTIONS = {
  'event-log': `${TOPIC_ARN}:11111111-1111-1111-1111-111111111111`,
  'state-projector': `${TOPIC_ARN}:22222222-2222-2222-2222-222222222222`,
  audit: `${TOPIC_ARN}:33333333-3333-3333-3333-333333333333`,
};
const AUDIT_QUEUE = 'Orders-PipelineAuditQueue9F8E7D6C-abc123';

/** Each ReplayStatus that GetSubscriptionAttributes answers, in turn; the last one repeats. */
let statuses: string[];
/** The ReplayPolicy the subscription holds: the last one set. */
let policyHeld: string | undefined;

const stack = (...more: string[]) => ['replay', '--stack', 'Orders', '--region', REGION, '--interval', '0', ...more];

beforeEach(() => {
  cloudformation.reset();
  sns.reset();
  statuses = ['Pending', 'In progress', 'Completed'];
  policyHeld = undefined;
  cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Orders', Outputs: STACK_OUTPUTS } as never] });
  cloudformation.on(ListStackResourcesCommand).resolves({
    StackResourceSummaries: [
      { LogicalResourceId: 'PipelineAuditQueue9F8E7D6C', ResourceType: 'AWS::SQS::Queue', PhysicalResourceId: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${AUDIT_QUEUE}` },
      { LogicalResourceId: 'PipelineAuditDeadLetterQueue1A2B3C4D', ResourceType: 'AWS::SQS::Queue', PhysicalResourceId: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/audit-dlq` },
    ] as never,
  });
  sns.on(GetTopicAttributesCommand).resolves({
    Attributes: { TopicArn: TOPIC_ARN, ArchivePolicy: '{"MessageRetentionPeriod":"7"}', BeginningArchiveTime: '2026-11-01T00:00:00.000Z' },
  });
  sns.on(ListSubscriptionsByTopicCommand).resolves({
    Subscriptions: [
      { SubscriptionArn: SUBSCRIPTIONS['event-log'], Protocol: 'sqs', Endpoint: queueArn('EventLogQueue'), TopicArn: TOPIC_ARN },
      { SubscriptionArn: SUBSCRIPTIONS['state-projector'], Protocol: 'sqs', Endpoint: queueArn('StateProjectorQueue.fifo'), TopicArn: TOPIC_ARN },
      { SubscriptionArn: SUBSCRIPTIONS.audit, Protocol: 'sqs', Endpoint: queueArn(AUDIT_QUEUE), TopicArn: TOPIC_ARN },
      { SubscriptionArn: `${TOPIC_ARN}:44444444`, Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: TOPIC_ARN },
    ],
  });
  sns.on(SetSubscriptionAttributesCommand).callsFake((input: { AttributeValue?: string }) => {
    policyHeld = input.AttributeValue;
    return {};
  });
  sns.on(GetSubscriptionAttributesCommand).callsFake(() => ({
    Attributes: { ReplayPolicy: policyHeld, ReplayStatus: statuses.length > 1 ? statuses.shift() : statuses[0] },
  }));
});

const setCalls = () => sns.commandCalls(SetSubscriptionAttributesCommand).map((c) => c.args[0].input);

describe('replay --since --consumer, on a stack', () => {
  test('sets the exact ReplayPolicy on the subscription of an added consumer, found through the stack, and follows ReplayStatus to Completed', async () => {
    // WHEN
    const run = await cli(stack('--since', '2026-11-20T00:00:00Z', '--until', '2026-11-21T00:00:00Z', '--consumer', 'audit', '--keep-paused', '--json'));

    // THEN
    expect(run.code).toBe(0);
    expect(setCalls()).toEqual([
      {
        SubscriptionArn: SUBSCRIPTIONS.audit,
        AttributeName: 'ReplayPolicy',
        AttributeValue: '{"PointType":"Timestamp","StartingPoint":"2026-11-20T00:00:00.000Z","EndingPoint":"2026-11-21T00:00:00.000Z"}',
      },
    ]);
    const summary = JSON.parse(run.stdout) as ArchiveReplaySummary;
    expect(summary).toMatchObject({ consumer: 'pipeline-audit', subscriptionArn: SUBSCRIPTIONS.audit, paused: true, resume: null });
    expect(summary.replay.statuses.map((s) => s.status)).toEqual(['Pending', 'In progress', 'Completed']);
    expect(run.stderr).toMatch(/Replay into pipeline-audit: Pending .*\n.*In progress.*\n.*Completed/);
    expect(sns.commandCalls(GetSubscriptionAttributesCommand)).toHaveLength(3);
  });

  test('without --until: no EndingPoint, one policy, nothing paused', async () => {
    const run = await cli(stack('--since', '2026-11-20', '--consumer', 'event-log'));
    expect(run.code).toBe(0);
    expect(setCalls()).toEqual([
      { SubscriptionArn: SUBSCRIPTIONS['event-log'], AttributeName: 'ReplayPolicy', AttributeValue: '{"PointType":"Timestamp","StartingPoint":"2026-11-20T00:00:00.000Z"}' },
    ]);
    expect(run.stdout).toContain("Replay of the topic's archive from 2026-11-20T00:00:00.000Z on (up to now, then live) into event-log: Completed.");
    expect(run.stdout).toContain('ReplayStatus: Pending (0 s) -> In progress (0 s) -> Completed (0 s)');
    // The stack's outputs name the built-in consumers; the stack's resources, read once, the added one.
    expect(cloudformation.commandCalls(ListStackResourcesCommand)).toHaveLength(1);
  });

  test('with --until, once the replay completes, delivery is resumed from the ending point and followed to Completed too', async () => {
    statuses = ['In progress', 'Completed', 'Pending', 'Completed'];
    const run = await cli(stack('--since', '2026-11-20T00:00:00Z', '--until', '2026-11-21T00:00:00Z', '--consumer', 'state-projector', '--json'));
    expect(run.code).toBe(0);
    expect(setCalls().map((c) => c.AttributeValue)).toEqual([
      '{"PointType":"Timestamp","StartingPoint":"2026-11-20T00:00:00.000Z","EndingPoint":"2026-11-21T00:00:00.000Z"}',
      '{"PointType":"Timestamp","StartingPoint":"2026-11-21T00:00:00.000Z"}',
    ]);
    const summary = JSON.parse(run.stdout) as ArchiveReplaySummary;
    expect(summary).toMatchObject({ paused: false, replay: { status: 'Completed' }, resume: { status: 'Completed' } });
  });

  test('a status read before the subscription shows the new policy is not taken for the end of this replay', async () => {
    let reads = 0;
    sns.on(GetSubscriptionAttributesCommand).callsFake(() => {
      reads += 1;
      if (reads === 1) return { Attributes: { ReplayPolicy: '{"PointType":"Timestamp","StartingPoint":"2026-01-01T00:00:00.000Z"}', ReplayStatus: 'Completed' } };
      return { Attributes: { ReplayPolicy: policyHeld, ReplayStatus: reads === 2 ? 'In progress' : 'Completed' } };
    });
    const run = await cli(stack('--since', '2026-11-20T00:00:00Z', '--consumer', 'event-log', '--json'));
    expect(run.code).toBe(0);
    expect(reads).toBe(3);
    expect((JSON.parse(run.stdout) as ArchiveReplaySummary).replay.statuses.map((s) => s.status)).toEqual(['Pending', 'In progress', 'Completed']);
  });

  test('a Failed replay exits 1', async () => {
    statuses = ['Pending', 'Failed'];
    const run = await cli(stack('--since', '2026-11-20T00:00:00Z', '--consumer', 'event-log'));
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('into event-log: Failed.');
  });

  test('--timeout stops following, not the replay, and exits 1', async () => {
    statuses = ['In progress'];
    const run = await cli(stack('--since', '2026-11-20T00:00:00Z', '--consumer', 'event-log', '--timeout', '0', '--json'));
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ stoppedFollowing: 'timeout', replay: { status: 'In progress' } });
  });

  test('--no-wait sets the policy and reads no status', async () => {
    const run = await cli(stack('--since', '2026-11-20T00:00:00Z', '--consumer', 'event-log', '--no-wait'));
    expect(run.code).toBe(0);
    expect(setCalls()).toHaveLength(1);
    expect(sns.commandCalls(GetSubscriptionAttributesCommand)).toHaveLength(0);
  });

  test('--dry-run sets nothing and shows the policy', async () => {
    const run = await cli(stack('--since', '2026-11-20T00:00:00Z', '--consumer', 'audit', '--dry-run'));
    expect(run.code).toBe(0);
    expect(setCalls()).toHaveLength(0);
    expect(run.stdout).toContain('ReplayPolicy: {"PointType":"Timestamp","StartingPoint":"2026-11-20T00:00:00.000Z"}');
  });

  test('a topic without an archive is refused, naming the prop', async () => {
    sns.on(GetTopicAttributesCommand).resolves({ Attributes: { TopicArn: TOPIC_ARN } });
    const run = await cli(stack('--since', '2026-11-20T00:00:00Z', '--consumer', 'event-log'));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/has no archive \(no ArchivePolicy\).*messageRetentionPeriodInDays/);
    expect(setCalls()).toHaveLength(0);
  });

  test('an unknown consumer is a usage error listing the subscribed ones', async () => {
    const run = await cli(stack('--since', '2026-11-20T00:00:00Z', '--consumer', 'ledger'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--consumer "ledger": no such subscription of the topic in stack Orders in eu-west-1; it has event-log, pipeline-audit, state-projector');
  });
});

describe('replay options', () => {
  test.each([
    [['--subject', 's', '--since', '1d'], /--subject replays from the events table; --since is for a replay of the topic's archive/],
    [['--since', '1d'], /--consumer NAME is required with --since/],
    [['--until', '1d', '--consumer', 'x'], /--since T is required/],
    [['--since', '2d', '--until', '3d', '--consumer', 'x'], /is not after --since/],
    [['--since', 'soon', '--consumer', 'x'], /--since "soon": not a time/],
    [['--since', '2d', '--consumer', 'x', '--keep-paused'], /--keep-paused applies to --until only/],
    [['--since', '2d', '--until', '1d', '--consumer', 'x', '--no-wait'], /--no-wait with --until needs --keep-paused/],
    [['--since', '2d', '--consumer', 'x', '--reset-state'], /--reset-state applies to --subject only/],
  ])('%j is refused', async (args, message) => {
    const run = await cli(['replay', ...args, '--stack', 'Orders', '--region', REGION]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(setCalls()).toHaveLength(0);
  });

  test('parseTime reads ISO times, dates, today, yesterday, now and times ago', () => {
    const now = Date.parse('2026-11-21T15:30:00.000Z');
    const iso = (text: string) => parseTime('since', text, now).toISOString();
    expect(iso('2026-11-20T10:00:00Z')).toBe('2026-11-20T10:00:00.000Z');
    expect(iso('2026-11-20T10:00:00+02:00')).toBe('2026-11-20T08:00:00.000Z');
    expect(iso('2026-11-20T10:00')).toBe('2026-11-20T10:00:00.000Z');
    expect(iso('2026-11-20')).toBe('2026-11-20T00:00:00.000Z');
    expect(iso('yesterday')).toBe('2026-11-20T00:00:00.000Z');
    expect(iso('today')).toBe('2026-11-21T00:00:00.000Z');
    expect(iso('now')).toBe('2026-11-21T15:30:00.000Z');
    expect(iso('90m')).toBe('2026-11-21T14:00:00.000Z');
    expect(iso('2d')).toBe('2026-11-19T15:30:00.000Z');
    expect(() => parseTime('since', '2026-13-45', now)).toThrow(/not a time/);
  });

  test('replayPolicy and consumerName', () => {
    expect(replayPolicy(new Date('2026-11-20T00:00:00Z'))).toBe('{"PointType":"Timestamp","StartingPoint":"2026-11-20T00:00:00.000Z"}');
    expect(consumerName('OrdersAuditQueue1A2B3C4D')).toBe('orders-audit');
    expect(consumerName('PipelineStateProjectorQueueC0FFEE00')).toBe('pipeline-state-projector');
  });
});
