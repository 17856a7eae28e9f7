import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { StatusReport } from '../../packages/tools/src/cli/status';
import { REGION, STACK_OUTPUTS, cli, localDir } from './helpers';

const cloudformation = mockClient(CloudFormationClient);
const cloudwatch = mockClient(CloudWatchClient);
const dynamodb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
const sns = mockClient(SNSClient);

let depths: Record<string, [number, number, number]>;

beforeEach(() => {
  depths = {
    EventLogQueue: [120, 30, 0],
    EventLogDeadLetterQueue: [2, 0, 0],
    'StateProjectorQueue.fifo': [0, 0, 0],
    'StateProjectorDeadLetterQueue.fifo': [1, 0, 0],
  };
  for (const mock of [cloudformation, cloudwatch, dynamodb, sqs, sns]) mock.reset();
  // The local run's SNS patch answers its delivery failures in GetTopicAttributes.
  sns.on(GetTopicAttributesCommand).resolves({ Attributes: { LocalNotificationsFailed: '0', LocalNotificationsFailedBySubscription: '{}' } });
  sqs.on(GetQueueAttributesCommand).callsFake(({ QueueUrl }: { QueueUrl: string }) => {
    const [visible, inFlight, delayed] = depths[QueueUrl.slice(QueueUrl.lastIndexOf('/') + 1)];
    return {
      Attributes: {
        ApproximateNumberOfMessages: String(visible),
        ApproximateNumberOfMessagesNotVisible: String(inFlight),
        ApproximateNumberOfMessagesDelayed: String(delayed),
      },
    };
  });
});

afterEach(() => jest.restoreAllMocks());

describe('status on a deployed stack', () => {
  beforeEach(() => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Orders', Outputs: STACK_OUTPUTS } as never] });
    // Two pages, answered by the token asked for: the CLI lists the stack's resources for its queues
    // (a consumer added with addConsumer has no output) and again for its alarms.
    const pages = {
      first: {
        StackResourceSummaries: [
          { LogicalResourceId: 'PipelineEventLogAlarmsDeadLettersA1B2C3D4', PhysicalResourceId: 'Orders-DeadLetters-1', ResourceType: 'AWS::CloudWatch::Alarm' } as never,
          { LogicalResourceId: 'PipelineEventLogQueueB0BA4B9D', PhysicalResourceId: STACK_OUTPUTS[1].OutputValue, ResourceType: 'AWS::SQS::Queue' } as never,
        ],
        NextToken: 'page-2',
      },
      second: {
        StackResourceSummaries: [
          { LogicalResourceId: 'PipelineEventLogAlarmsOldestMessageAge0F1E2D3C', PhysicalResourceId: 'Orders-Age-1', ResourceType: 'AWS::CloudWatch::Alarm' } as never,
        ],
      },
    };
    cloudformation.on(ListStackResourcesCommand).callsFake(({ NextToken }: { NextToken?: string }) => (NextToken === 'page-2' ? pages.second : pages.first));
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { AlarmName: 'Orders-DeadLetters-1', StateValue: 'ALARM', StateReason: 'Threshold Crossed', StateUpdatedTimestamp: new Date('2025-03-01T11:58:00Z') },
        { AlarmName: 'Orders-Age-1', StateValue: 'OK', StateReason: 'fine' },
      ],
    });
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'q0', Values: [95, 80], Timestamps: [] },
        { Id: 'q1', Values: [3600] },
        { Id: 'q2', Values: [] },
        { Id: 'q3', Values: [7200] },
      ],
    });
    dynamodb.on(DescribeTableCommand, { TableName: 'EventsTable' }).resolves({ Table: { ItemCount: 1234 } });
    dynamodb.on(DescribeTableCommand, { TableName: 'StateTable' }).resolves({ Table: { ItemCount: 56 } });
  });

  test('reports depths, CloudWatch ages, DescribeTable counts and alarms, saying how', async () => {
    // WHEN
    const run = await cli(['status', '--stack', 'Orders', '--region', REGION, '--json']);

    // THEN
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as StatusReport;
    expect(report.queues).toEqual([
      expect.objectContaining({ consumer: 'event-log', role: 'queue', fifo: false, visible: 120, inFlight: 30, oldestAgeSeconds: 95 }),
      expect.objectContaining({ consumer: 'event-log', role: 'dead-letter queue', visible: 2, oldestAgeSeconds: 3600 }),
      expect.objectContaining({ consumer: 'state-projector', role: 'queue', fifo: true, visible: 0, oldestAgeSeconds: null }),
      expect.objectContaining({ consumer: 'state-projector', role: 'dead-letter queue', visible: 1, oldestAgeSeconds: 7200 }),
    ]);
    expect(report.tables).toEqual([
      { role: 'events', name: 'EventsTable', items: 1234 },
      { role: 'state', name: 'StateTable', items: 56 },
    ]);
    expect(report.alarms).toEqual([
      { id: 'PipelineEventLogAlarmsDeadLetters', name: 'Orders-DeadLetters-1', state: 'ALARM', reason: 'Threshold Crossed', since: '2025-03-01T11:58:00.000Z' },
      { id: 'PipelineEventLogAlarmsOldestMessageAge', name: 'Orders-Age-1', state: 'OK', reason: 'fine' },
    ]);
    expect(report.methods.itemCount).toMatch(/DescribeTable ItemCount, which DynamoDB refreshes about every 6 hours/);
    expect(report.methods.oldestAge).toMatch(/^CloudWatch ApproximateAgeOfOldestMessage/);
    const query = cloudwatch.commandCalls(GetMetricDataCommand)[0].args[0].input.MetricDataQueries?.[0];
    expect(query?.MetricStat).toEqual({
      Metric: { Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage', Dimensions: [{ Name: 'QueueName', Value: 'EventLogQueue' }] },
      Period: 60,
      Stat: 'Maximum',
    });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0].args[0].input.AlarmNames).toEqual(['Orders-DeadLetters-1', 'Orders-Age-1']);
    expect(report.metrics).toBeNull();
    expect(report.methods.metrics).toMatch(/not read here/);
  });

  test('prints a table', async () => {
    const run = await cli(['status', '--stack', 'Orders', '--region', REGION]);

    expect(run.stdout).toMatch(/^Status of stack Orders in eu-west-1 at \d\d:\d\d:\d\d UTC\n/);
    expect(run.stdout).toContain(
      [
        'QUEUE                KIND      VISIBLE  IN FLIGHT  DELAYED      OLDEST',
        'event-log            standard      120         30        0  1 min 35 s',
        'event-log DLQ        standard        2          0        0  1 h 00 min',
        'state-projector      FIFO            0          0        0           -',
        'state-projector DLQ  FIFO            1          0        0  2 h 00 min',
      ].join('\n'),
    );
    expect(run.stdout).toContain('TABLE   ITEMS  NAME\nevents  1,234  EventsTable\nstate      56  StateTable\n');
    expect(run.stdout).toContain('Alarms: 1 of 2 in ALARM\nALARM                                   STATE  SINCE\nPipelineEventLogAlarmsDeadLetters       ALARM  2025-03-01 11:58 UTC\n');
    expect(run.stdout).toContain('Items: DescribeTable ItemCount, which DynamoDB refreshes about every 6 hours.');
  });
});

describe('status on the local run', () => {
  test('shows the notifications SNS could not deliver, per topic and subscription', async () => {
    // GIVEN a subscribed queue that was deleted while the run goes on
    dynamodb.on(ScanCommand).resolves({ Count: 0 });
    jest.spyOn(global, 'fetch').mockImplementation(async () => new Response('{"error":"no"}', { status: 404 }));
    const queueArn = `arn:aws:sqs:${REGION}:000000000000:EventLogQueue`;
    sns.on(GetTopicAttributesCommand).resolves({
      Attributes: { LocalNotificationsFailed: '3', LocalNotificationsFailedBySubscription: JSON.stringify({ 'arn:aws:sns:x:0:t.fifo:sub-1': { queueArn, failed: 3 } }) },
    });

    // WHEN
    const run = await cli(['status', '--local'], { cwd: localDir() });

    // THEN
    expect(run.stdout).toContain('SNS DELIVERY FAILURES (NumberOfNotificationsFailed');
    expect(run.stdout).toMatch(/: 3 notifications not delivered\n {4}3 to EventLogQueue, which does not exist \(subscription sub-1\)\n/);
  });

  test('counts items with Scan Select=COUNT, page by page, and peeks at message ages without receiving', async () => {
    // GIVEN
    dynamodb.on(ScanCommand, { TableName: 'EventsTable' }).resolvesOnce({ Count: 1000, LastEvaluatedKey: { id: { S: 'x' } } }).resolves({ Count: 5 });
    dynamodb.on(ScanCommand, { TableName: 'StateTable' }).resolves({ Count: 7 });
    const now = Date.now();
    const fetch = jest.spyOn(global, 'fetch').mockImplementation(async (url) =>
      String(url).endsWith('/EventLogDeadLetterQueue')
        ? new Response(JSON.stringify({ messages: { ready: [{ sentTimestamp: now - 90_000 }], inflight: [{ message: { sentTimestamp: now - 30_000 } }] } }))
        : new Response('{"error":"no"}', { status: 404 }),
    );

    // WHEN
    const run = await cli(['status', '--local', '--json'], { cwd: localDir() });

    // THEN
    const report = JSON.parse(run.stdout) as StatusReport;
    expect(report.tables.map((t) => t.items)).toEqual([1005, 7]);
    expect(report.deliveryFailures).toEqual([{ topicArn: expect.stringMatching(/\.fifo$/), failed: 0, subscriptions: [] }]);
    expect(dynamodb.commandCalls(ScanCommand).every((c) => c.args[0].input.Select === 'COUNT')).toBe(true);
    expect(report.queues[1].oldestAgeSeconds).toBeGreaterThanOrEqual(90);
    expect(report.queues[1].oldestAgeSeconds).toBeLessThan(100);
    expect(report.queues[0].oldestAgeSeconds).toBeNull();
    expect(fetch).toHaveBeenCalledWith('http://127.0.0.1:4566/_fauxqs/queues/EventLogDeadLetterQueue');
    expect(report.alarms).toBeNull();
    expect(report.methods.oldestAge).toMatch(/without receiving them/);
    expect(sqs.commandCalls(GetQueueAttributesCommand)).toHaveLength(4);
  });

  test('--watch --until-drained stops once the consumer queues are empty', async () => {
    // GIVEN the event log queue drains on the second look
    depths.EventLogQueue = [1, 0, 0];
    dynamodb.on(ScanCommand).resolves({ Count: 0 });
    jest.spyOn(global, 'fetch').mockResolvedValue(new Response('{}', { status: 404 }));
    let looks = 0;
    sqs.on(GetQueueAttributesCommand).callsFake(({ QueueUrl }: { QueueUrl: string }) => {
      const name = QueueUrl.slice(QueueUrl.lastIndexOf('/') + 1);
      if (name === 'EventLogQueue' && ++looks > 1) depths.EventLogQueue = [0, 0, 0];
      const [visible, inFlight, delayed] = depths[name];
      return {
        Attributes: {
          ApproximateNumberOfMessages: String(visible),
          ApproximateNumberOfMessagesNotVisible: String(inFlight),
          ApproximateNumberOfMessagesDelayed: String(delayed),
        },
      };
    });

    // WHEN
    const run = await cli(['status', '--local', '--watch', '--interval', '1', '--until-drained', '--json'], { cwd: localDir() });

    // THEN one JSON line per look
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as StatusReport);
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => l.queues[0].visible)).toEqual([1, 0]);
  });

  describe("the handlers' metrics", () => {
    const T = Date.parse('2025-03-01T12:00:00Z');
    const emf = (consumer: string, values: Record<string, number | number[]>, at: number) =>
      JSON.stringify({
        _aws: {
          Timestamp: at,
          CloudWatchMetrics: [{ Namespace: 'EventPipeline', Dimensions: [['Pipeline', 'Consumer']], Metrics: Object.keys(values).map((Name) => ({ Name, Unit: 'Count' })) }],
        },
        Pipeline: 'Shop/Orders',
        Consumer: consumer,
        ...values,
      });

    beforeEach(() => {
      dynamodb.on(ScanCommand).resolves({ Count: 0 });
      jest.spyOn(global, 'fetch').mockResolvedValue(new Response('{}', { status: 404 }));
    });

    function withLogs(files: Record<string, string[]>, last = ''): string {
      const dir = localDir();
      mkdirSync(join(dir, '.local', 'logs'));
      for (const [name, lines] of Object.entries(files)) writeFileSync(join(dir, '.local', 'logs', `${name}.log`), `${lines.join('\n')}\n${last}`);
      return dir;
    }

    test('are summed per consumer from the EMF lines of the function logs; a malformed one is reported, a line still being written is left', async () => {
      // GIVEN the logs of a run: two invocations of the event log, one of the state projector, and a malformed document
      const cwd = withLogs(
        {
          EventLogFn: [
            '{"level":"INFO","message":"Batch processed"}',
            emf('EventLog', { EventsStored: 38, DuplicatesSkipped: 2, EventsDeadLettered: 0, BatchWriteRetries: 1, UnprocessedItems: 3 }, T - 5_000),
            emf('EventLog', { EventsStored: [10, 12], DuplicatesSkipped: 0, EventsDeadLettered: 1, BatchWriteRetries: 0, UnprocessedItems: 0 }, T - 2_000),
            '{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"EventPipeline","Dimensions":[],"Metrics":[{"Name":"EventsStored"}]}]},"EventsStored":"lots"}',
          ],
          StateFn: [emf('StateProjector', { EventsStored: 4, EventsSuperseded: 36, EventsDeadLettered: 1 }, T - 61_000)],
        },
        emf('EventLog', { EventsStored: 1000 }, T).slice(0, 50),
      );
      jest.useFakeTimers({ now: T, doNotFake: ['setTimeout', 'setImmediate', 'nextTick', 'queueMicrotask'] });

      // WHEN
      const [json, text] = [await cli(['status', '--local', '--json'], { cwd }), await cli(['status', '--local'], { cwd })];
      jest.useRealTimers();

      // THEN
      const report = JSON.parse(json.stdout) as StatusReport;
      expect(report.metrics).toEqual({
        logDir: join(cwd, '.local', 'logs'),
        consumers: [
          {
            namespace: 'EventPipeline',
            pipeline: 'Shop/Orders',
            consumer: 'EventLog',
            invocations: 2,
            totals: { EventsStored: 60, DuplicatesSkipped: 2, EventsDeadLettered: 1, BatchWriteRetries: 1, UnprocessedItems: 3 },
            lastAt: '2025-03-01T11:59:58.000Z',
          },
          {
            namespace: 'EventPipeline',
            pipeline: 'Shop/Orders',
            consumer: 'StateProjector',
            invocations: 1,
            totals: { EventsStored: 4, EventsSuperseded: 36, EventsDeadLettered: 1 },
            lastAt: '2025-03-01T11:58:59.000Z',
          },
        ],
        malformed: 1,
        problems: [{ source: 'EventLogFn', line: 4, reason: expect.stringMatching(/metric EventsStored must have a number/) }],
      });
      expect(text.stdout).toContain(
        [
          'HANDLER METRIC      EventLog  StateProjector',
          'EventsStored              60               4',
          'DuplicatesSkipped          2               -',
          'EventsSuperseded           -              36',
          'EventsDeadLettered         1               1',
          'BatchWriteRetries          1               -',
          'UnprocessedItems           3               -',
          'invocations                2               1',
          'last published       2 s ago  1 min 01 s ago',
          '1 malformed metric document in the logs, not counted:',
          '  EventLogFn.log line 4: metric EventsStored must have a number',
        ].join('\n'),
      );
      expect(text.stdout).toMatch(/Metrics: the EMF documents the handlers printed, read from the local run's function logs .*\(.*\.local\/logs\)\./);
    });

    test('a run whose functions printed none yet says so', async () => {
      const text = await cli(['status', '--local'], { cwd: withLogs({ EventLogFn: ['START'] }) });
      expect(text.stdout).toContain('Handler metrics: none in the function logs yet.\n');
    });
  });
});
