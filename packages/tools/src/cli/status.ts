/**
 * `status`: queue depths and oldest message ages, table item counts and alarm states; on the local
 * run, the handlers' metrics from their logs.
 */
import { DescribeAlarmsCommand, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { type Command, type ParsedArgs, integerOption } from './args';
import { type TopicDeliveryFailures, formatDeliveryFailures, readDeliveryFailures } from './delivery-failures';
import { type EmfProblem, HANDLER_METRICS, readLogMetrics } from './emf';
import { EXIT, explain } from './errors';
import { type CliIO, age, count, plural, table } from './io';
import { type Target, isFifoUrl, listStackResources, queueName, resolveTarget } from './resources';
import { sleep } from './sleep';
import { queueDepth } from './sqs';

export interface QueueStatus {
  readonly consumer: string;
  readonly role: 'queue' | 'dead-letter queue';
  readonly name: string;
  readonly url: string;
  readonly fifo: boolean;
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  /** Age of the oldest message in seconds; null when unknown (no datapoint, or nothing to peek at). */
  readonly oldestAgeSeconds: number | null;
}

export interface TableStatus {
  /** `events`, `state`. */
  readonly role: string;
  readonly name: string;
  readonly items: number;
}

export interface AlarmStatus {
  /** The alarm's logical id in the stack, without its hash. */
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly reason: string;
  readonly since?: string;
}

/** A consumer's handler metrics (dimensions Pipeline and Consumer), summed since the local run started. */
export interface ConsumerMetricsStatus {
  readonly namespace: string;
  readonly pipeline: string;
  readonly consumer: string;
  /** Metric documents: a default handler prints one per invocation. */
  readonly invocations: number;
  /** Each metric's sum. */
  readonly totals: Readonly<Record<string, number>>;
  /** The latest document's `_aws.Timestamp`. */
  readonly lastAt: string;
}

/** The handlers' metrics, read from the local run's function logs. */
export interface MetricsStatus {
  readonly logDir: string;
  readonly consumers: readonly ConsumerMetricsStatus[];
  /** Malformed metric documents: not counted; up to 20 are listed in `problems`. */
  readonly malformed: number;
  readonly problems: readonly EmfProblem[];
}

/** What `status --json` prints. */
export interface StatusReport {
  readonly target: string;
  readonly kind: 'aws' | 'local';
  readonly at: string;
  readonly queues: readonly QueueStatus[];
  readonly tables: readonly TableStatus[];
  /** Null on the local run, which has no CloudWatch. */
  readonly alarms: readonly AlarmStatus[] | null;
  /** The local run only: the handlers' metrics (EMF) in its function logs. Null on a deployed stack. */
  readonly metrics: MetricsStatus | null;
  /**
   * The local run only: the notifications each topic could not deliver (a subscribed queue that
   * does not exist). Null on a deployed stack, where it is the topic's NumberOfNotificationsFailed
   * metric and its delivery-failures alarm (under alarms).
   */
  readonly deliveryFailures: readonly TopicDeliveryFailures[] | null;
  /** How each figure was obtained. */
  readonly methods: { readonly oldestAge: string; readonly itemCount: string; readonly alarms: string; readonly metrics: string };
}

export const METHODS = {
  aws: {
    oldestAge:
      'CloudWatch ApproximateAgeOfOldestMessage: the latest 1-minute maximum of the last 15 minutes (SQS metrics arrive a few minutes late)',
    itemCount: 'DescribeTable ItemCount, which DynamoDB refreshes about every 6 hours',
    alarms: "the stack's AWS::CloudWatch::Alarm resources (ListStackResources), states from DescribeAlarms",
    metrics: "not read here: the handlers' metrics are in CloudWatch (the PipelineDashboard)",
  },
  local: {
    oldestAge: "peeked at each queue's messages through the emulator's inspection API (/_fauxqs/queues), without receiving them",
    itemCount: 'Scan with Select=COUNT (exact; reads the whole table)',
    alarms: 'none: the local run has no CloudWatch',
    metrics:
      "the EMF documents the handlers printed, read from the local run's function logs as CloudWatch would extract them, " +
      'summed since the run started',
  },
} as const;

export const statusCommand: Command = {
  name: 'status',
  summary: 'queue depths, oldest message ages, table item counts and alarm states',
  usage: 'status [--watch [--interval SECONDS] [--until-drained]] (--stack NAME | --local)',
  description: [
    'For each consumer\'s queue and dead-letter queue: messages visible, in flight and delayed, and the age of the',
    'oldest one; the item count of each table; on a deployed stack, the state of its alarms. The output says how',
    'each figure was obtained: on AWS, ages come from CloudWatch and item counts from DescribeTable (refreshed about',
    'every 6 hours); on the local run, ages come from peeking at the emulator and counts from a Scan, and the',
    "handlers' metrics (EventsStored, DuplicatesSkipped, EventsDeadLettered...) are read from its function logs.",
  ].join('\n'),
  options: {
    watch: { type: 'boolean', short: 'w' },
    interval: { type: 'string' },
    'until-drained': { type: 'boolean' },
  },
  optionHelp: [
    ['-w, --watch', 'print the status again every interval, until Ctrl-C'],
    ['--interval SECONDS', 'seconds between two prints with --watch, 1 to 3600 (default 2)'],
    ['--until-drained', 'with --watch: stop once no consumer queue has a message visible, in flight or delayed'],
  ],
  needsTarget: true,
  positionals: { min: 0, max: 0 },
  run: runStatus,
};

async function runStatus({ values }: ParsedArgs, io: CliIO): Promise<number> {
  const intervalMs = integerOption(values, 'interval', 2, 1, 3600) * 1000;
  const watch = values.watch === true;
  const target = await resolveTarget(values, io, { stackResources: true });
  try {
    for (;;) {
      const report = await collectStatus(target).catch((error: unknown) => {
        throw explain(error, target.errorContext);
      });
      if (values.json) io.stdout.write(watch ? `${JSON.stringify(report)}\n` : `${JSON.stringify(report, null, 2)}\n`);
      else io.stdout.write(`${watch && io.stdout.isTTY ? '\x1b[H\x1b[2J' : ''}${formatStatus(report)}${watch ? '\n' : ''}`);
      if (!watch || (values['until-drained'] && isDrained(report)) || io.signal?.aborted) return EXIT.OK;
      await sleep(intervalMs, io.signal);
      if (io.signal?.aborted) return EXIT.OK;
    }
  } finally {
    target.clients.destroy();
  }
}

/** True when no consumer queue (dead-letter queues aside) has a message. */
export function isDrained(report: StatusReport): boolean {
  return report.queues.filter((q) => q.role === 'queue').every((q) => q.visible + q.inFlight + q.delayed === 0);
}

export async function collectStatus(target: Target, now: () => Date = () => new Date()): Promise<StatusReport> {
  const at = now();
  const queues = target.consumers.flatMap((c) => [
    ...(c.queueUrl ? [{ consumer: c.name, role: 'queue' as const, url: c.queueUrl }] : []),
    ...(c.deadLetterQueueUrl ? [{ consumer: c.name, role: 'dead-letter queue' as const, url: c.deadLetterQueueUrl }] : []),
  ]);
  const urls = queues.map((q) => q.url);
  const [depths, ages, tables, alarms, deliveryFailures] = await Promise.all([
    Promise.all(urls.map((url) => queueDepth(target.clients.sqs, url))),
    target.kind === 'aws' ? cloudWatchAges(target, urls, at) : peekedAges(target, urls, at),
    Promise.all(
      Object.entries(target.tables).map(async ([role, name]) => ({
        role,
        name,
        items: target.kind === 'aws' ? await describedItemCount(target, name) : await scannedItemCount(target, name),
      })),
    ),
    target.kind === 'aws' ? stackAlarms(target) : Promise.resolve(null),
    target.kind === 'local' ? readDeliveryFailures(target.clients.sns, target.topics.map((t) => t.arn)) : Promise.resolve(null),
  ]);
  return {
    target: target.label,
    kind: target.kind,
    at: at.toISOString(),
    queues: queues.map((q, i) => ({
      ...q,
      name: queueName(q.url),
      fifo: isFifoUrl(q.url),
      ...depths[i],
      // An empty queue has no oldest message, whatever a late CloudWatch datapoint says.
      oldestAgeSeconds: depths[i].visible + depths[i].inFlight + depths[i].delayed === 0 ? null : ages[i],
    })),
    tables,
    alarms,
    metrics: target.kind === 'local' && target.logDir ? localMetrics(target.logDir) : null,
    deliveryFailures,
    methods: METHODS[target.kind],
  };
}

/** The handlers' metrics in the local run's log folder, per consumer. */
function localMetrics(logDir: string): MetricsStatus {
  const metrics = readLogMetrics(logDir);
  return {
    logDir,
    consumers: metrics.consumers().map((c) => ({
      namespace: c.namespace,
      pipeline: c.pipeline,
      consumer: c.consumer,
      invocations: c.documents,
      totals: c.totals,
      lastAt: new Date(c.lastTimestamp).toISOString(),
    })),
    malformed: metrics.malformed,
    problems: metrics.problems,
  };
}

async function cloudWatchAges(target: Target, urls: readonly string[], at: Date): Promise<(number | null)[]> {
  if (urls.length === 0) return [];
  const queries: MetricDataQuery[] = urls.map((url, i) => ({
    Id: `q${i}`,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: queueName(url) }],
      },
      Period: 60,
      Stat: 'Maximum',
    },
  }));
  const out = await target.clients.cloudwatch.send(
    new GetMetricDataCommand({
      MetricDataQueries: queries,
      StartTime: new Date(at.getTime() - 15 * 60_000),
      EndTime: at,
      ScanBy: 'TimestampDescending',
    }),
  );
  return urls.map((_, i) => out.MetricDataResults?.find((r) => r.Id === `q${i}`)?.Values?.[0] ?? null);
}

interface InspectedMessage {
  readonly sentTimestamp?: number;
}
interface InspectedQueue {
  readonly messages?: {
    readonly ready?: InspectedMessage[];
    readonly delayed?: InspectedMessage[];
    readonly inflight?: { readonly message?: InspectedMessage }[];
  };
}

/** Ages from fauxqs's read-only inspection endpoint: no receive, so no receive count is used up. */
async function peekedAges(target: Target, urls: readonly string[], at: Date): Promise<(number | null)[]> {
  return Promise.all(
    urls.map(async (url) => {
      try {
        const response = await fetch(`${target.sqsEndpoint}/_fauxqs/queues/${encodeURIComponent(queueName(url))}`);
        if (!response.ok) return null;
        const { messages = {} } = (await response.json()) as InspectedQueue;
        const sent = [
          ...(messages.ready ?? []),
          ...(messages.delayed ?? []),
          ...(messages.inflight ?? []).map((m) => m.message ?? {}),
        ]
          .map((m) => m.sentTimestamp)
          .filter((t): t is number => typeof t === 'number');
        return sent.length === 0 ? null : Math.max(0, (at.getTime() - Math.min(...sent)) / 1000);
      } catch {
        return null;
      }
    }),
  );
}

async function describedItemCount(target: Target, tableName: string): Promise<number> {
  const { Table } = await target.clients.dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  return Table?.ItemCount ?? 0;
}

async function scannedItemCount(target: Target, tableName: string): Promise<number> {
  let items = 0;
  let start: ScanCommandOutput['LastEvaluatedKey'];
  do {
    const out = await target.clients.dynamodb.send(
      new ScanCommand({ TableName: tableName, Select: 'COUNT', ExclusiveStartKey: start }),
    );
    items += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

async function stackAlarms(target: Target): Promise<AlarmStatus[]> {
  // Listed with the target, unless the caller may not list them: then this call says so.
  const resources = target.stackResources ?? (await listStackResources(target.clients.cloudformation, target.stackName!));
  const alarms = resources.filter((r) => r.ResourceType === 'AWS::CloudWatch::Alarm' && r.PhysicalResourceId);
  const found: AlarmStatus[] = [];
  for (let i = 0; i < alarms.length; i += 100) {
    const chunk = alarms.slice(i, i + 100);
    const out = await target.clients.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: chunk.map((a) => a.PhysicalResourceId!) }),
    );
    for (const alarm of out.MetricAlarms ?? []) {
      const resource = chunk.find((a) => a.PhysicalResourceId === alarm.AlarmName);
      found.push({
        id: (resource?.LogicalResourceId ?? alarm.AlarmName ?? '').replace(/[0-9A-F]{8}$/, ''),
        name: alarm.AlarmName ?? '',
        state: alarm.StateValue ?? 'UNKNOWN',
        reason: alarm.StateReason ?? '',
        ...(alarm.StateUpdatedTimestamp ? { since: alarm.StateUpdatedTimestamp.toISOString() } : {}),
      });
    }
  }
  return found.sort((a, b) => a.id.localeCompare(b.id));
}

export function formatStatus(report: StatusReport): string {
  const at = new Date(report.at);
  const parts = [`Status of ${report.target} at ${at.toISOString().slice(11, 19)} UTC\n`];
  parts.push(
    table(
      ['QUEUE', 'KIND', '>VISIBLE', '>IN FLIGHT', '>DELAYED', '>OLDEST'],
      report.queues.map((q) => [
        q.role === 'queue' ? q.consumer : `${q.consumer} DLQ`,
        q.fifo ? 'FIFO' : 'standard',
        count(q.visible),
        count(q.inFlight),
        count(q.delayed),
        q.oldestAgeSeconds === null ? '-' : age(q.oldestAgeSeconds),
      ]),
    ),
  );
  parts.push(table(['TABLE', '>ITEMS', 'NAME'], report.tables.map((t) => [t.role, count(t.items), t.name])));
  if (report.alarms) {
    const firing = report.alarms.filter((a) => a.state === 'ALARM').length;
    parts.push(
      `Alarms: ${count(firing)} of ${count(report.alarms.length)} in ALARM\n` +
        (report.alarms.length > 0
          ? table(
              ['ALARM', 'STATE', 'SINCE'],
              report.alarms.map((a) => [a.id, a.state, a.since ? `${a.since.slice(0, 16).replace('T', ' ')} UTC` : '-']),
            )
          : ''),
    );
  }
  if (report.deliveryFailures) {
    const lines = formatDeliveryFailures(report.deliveryFailures);
    parts.push(lines.length > 0 ? `${lines.slice(1).join('\n')}\n` : 'SNS delivery failures: none\n');
  }
  if (report.metrics) parts.push(formatMetrics(report.metrics, at));
  const methods = [`Oldest: ${report.methods.oldestAge}.`, `Items: ${report.methods.itemCount}.`];
  if (report.alarms) methods.push(`Alarms: ${report.methods.alarms}.`);
  if (report.metrics) methods.push(`Metrics: ${report.methods.metrics} (${report.metrics.logDir}).`);
  parts.push(`${methods.join('\n')}\n`);
  return parts.join('\n');
}

/** One row per metric, one column per consumer; `-` for a metric a consumer does not publish. */
function formatMetrics(metrics: MetricsStatus, at: Date): string {
  const { consumers } = metrics;
  const malformed = metrics.malformed > 0 ? `${plural(metrics.malformed, 'malformed metric document')} in the logs, not counted:\n` +
    metrics.problems.map((p) => `  ${p.source}.log line ${p.line}: ${p.reason}\n`).join('') : '';
  if (consumers.length === 0) return `Handler metrics: none in the function logs yet.\n${malformed}`;
  const pipelines = new Set(consumers.map((c) => c.pipeline));
  const names = [...HANDLER_METRICS, ...new Set(consumers.flatMap((c) => Object.keys(c.totals)).filter((n) => !HANDLER_METRICS.includes(n)))];
  const value = (c: ConsumerMetricsStatus, name: string) => (name in c.totals ? count(c.totals[name]) : '-');
  return (
    table(
      ['HANDLER METRIC', ...consumers.map((c) => `>${pipelines.size > 1 ? `${c.pipeline} ` : ''}${c.consumer}`)],
      [
        ...names.filter((n) => consumers.some((c) => n in c.totals)).map((n) => [n, ...consumers.map((c) => value(c, n))]),
        ['invocations', ...consumers.map((c) => count(c.invocations))],
        ['last published', ...consumers.map((c) => `${age((at.getTime() - Date.parse(c.lastAt)) / 1000)} ago`)],
      ],
    ) + malformed
  );
}
