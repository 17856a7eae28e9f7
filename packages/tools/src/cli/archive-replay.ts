/**
 * `replay --since T [--until T] --consumer NAME`: replays a time window of the topic's archive
 * (SNS FIFO message archiving) into one subscription, by setting its `ReplayPolicy`, and follows
 * the replay by reading the subscription's `ReplayStatus` until it completes. On the local run the
 * emulator answers the same calls (see packages/tools/src/local/runtime/fauxqs-archive.cjs).
 */
import {
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SetSubscriptionAttributesCommand,
} from '@aws-sdk/client-sns';
import { CliError, EXIT } from './errors';
import type { CliIO } from './io';
import { type Target, consumerName, queueName } from './resources';
import { sleep } from './sleep';

/** A subscription of the topic whose endpoint is an SQS queue, named as the CLI names consumers. */
export interface SubscribedConsumer {
  /** `event-log`, `state-projector`, or the added consumer's (`pipeline-audit`). */
  readonly name: string;
  readonly subscriptionArn: string;
  /** The queue's ARN (the subscription's endpoint). */
  readonly queueArn: string;
}

/** The ReplayPolicy SNS takes: `{"PointType":"Timestamp","StartingPoint":...,"EndingPoint":...}`. */
export function replayPolicy(since: Date, until?: Date): string {
  return JSON.stringify({
    PointType: 'Timestamp',
    StartingPoint: since.toISOString(),
    ...(until ? { EndingPoint: until.toISOString() } : {}),
  });
}

/** The values of ReplayStatus that end a replay; SNS documents `Pending` and `In progress` besides. */
const FINAL_STATUSES = new Set(['Completed', 'Failed']);

export interface ArchiveReplayOptions {
  readonly topicArn: string;
  readonly consumer: string;
  readonly since: Date;
  readonly until?: Date;
  readonly dryRun: boolean;
  /** Return once the replay is started. */
  readonly wait: boolean;
  /** After a replay with an ending point (which pauses the subscription), resume delivery from it. */
  readonly resume: boolean;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly io?: CliIO;
  /** Waits between two reads of ReplayStatus. @default setTimeout, ended by io.signal */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** One replay policy set on the subscription, and what became of it. */
export interface ReplayRun {
  /** The ReplayPolicy JSON sent. */
  readonly policy: string;
  /** The last ReplayStatus read, or `not started` (dry run) or `not followed` (--no-wait). */
  readonly status: string;
  /** Each status seen, in order, with the seconds since the policy was set. */
  readonly statuses: readonly { readonly status: string; readonly afterSeconds: number }[];
}

/** What `replay --since --json` prints. */
export interface ArchiveReplaySummary {
  readonly consumer: string;
  readonly subscriptionArn: string;
  readonly topicArn: string;
  readonly since: string;
  readonly until: string | null;
  readonly dryRun: boolean;
  /** The topic's BeginningArchiveTime, when it says. */
  readonly beginningArchiveTime: string | null;
  readonly replay: ReplayRun;
  /** With --until: the replay that resumed delivery from the ending point, unless --keep-paused. */
  readonly resume: ReplayRun | null;
  /** The subscription is left paused: a replay with an ending point completed and was not resumed. */
  readonly paused: boolean;
  /** Ctrl-C or --timeout: the CLI stopped following; the replay goes on. */
  readonly stoppedFollowing: 'interrupted' | 'timeout' | null;
}

export async function replayArchive(target: Target, options: ArchiveReplayOptions): Promise<ArchiveReplaySummary> {
  const sns = target.clients.sns;
  const { Attributes: topic = {} } = await sns.send(new GetTopicAttributesCommand({ TopicArn: options.topicArn }));
  if (!topic.ArchivePolicy) {
    throw new CliError(
      `the topic ${options.topicArn} has no archive (no ArchivePolicy), so there is nothing to replay: give the pipeline ` +
        'messageRetentionPeriodInDays and deploy it; the archive keeps what is published from then on',
      EXIT.FAILED,
    );
  }
  const consumers = await subscribedConsumers(target, options.topicArn);
  const chosen = chooseSubscription(consumers, options.consumer, target);
  const base = {
    consumer: chosen.name,
    subscriptionArn: chosen.subscriptionArn,
    topicArn: options.topicArn,
    since: options.since.toISOString(),
    until: options.until?.toISOString() ?? null,
    beginningArchiveTime: topic.BeginningArchiveTime ?? null,
  };
  const policy = replayPolicy(options.since, options.until);
  if (options.dryRun) {
    return { ...base, dryRun: true, replay: { policy, status: 'not started', statuses: [] }, resume: null, paused: false, stoppedFollowing: null };
  }
  const follow = new Follower(target, chosen, options);
  const replay = await follow.run(policy, 'replay');
  let resume: ReplayRun | null = null;
  if (options.until && replay.status === 'Completed' && options.resume && !follow.stopped) {
    // A replay with an ending point pauses the subscription once it completes (SNS: "This action
    // effectively pauses the subscription"); a policy without one, starting there, resumes it.
    resume = await follow.run(replayPolicy(options.until), 'resume');
  }
  const paused = options.until !== undefined && replay.status === 'Completed' && resume === null && !follow.stopped;
  return { ...base, dryRun: false, replay, resume, paused, stoppedFollowing: follow.stopped };
}

/** Sets a replay policy and reads ReplayStatus until it is final, the timeout, or Ctrl-C. */
class Follower {
  public stopped: 'interrupted' | 'timeout' | null = null;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly target: Target,
    private readonly subscription: SubscribedConsumer,
    private readonly options: ArchiveReplayOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => sleep(ms, options.io?.signal));
  }

  async run(policy: string, what: 'replay' | 'resume'): Promise<ReplayRun> {
    const sns = this.target.clients.sns;
    const { subscriptionArn, name } = this.subscription;
    await sns.send(
      new SetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn, AttributeName: 'ReplayPolicy', AttributeValue: policy }),
    );
    const started = this.now();
    const statuses: { status: string; afterSeconds: number }[] = [];
    if (!this.options.wait) return { policy, status: 'not followed', statuses };
    const deadline = started + this.options.timeoutMs;
    const stderr = this.options.io?.stderr;
    for (;;) {
      const { Attributes: a = {} } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }));
      // Until the subscription shows this policy, its status may still be the previous replay's.
      const status = a.ReplayPolicy === undefined || samePolicy(a.ReplayPolicy, policy) ? (a.ReplayStatus ?? 'Pending') : 'Pending';
      const afterSeconds = Math.round((this.now() - started) / 100) / 10;
      if (statuses.at(-1)?.status !== status) {
        statuses.push({ status, afterSeconds });
        stderr?.write(`${what === 'replay' ? 'Replay' : 'Resume'} into ${name}: ${status} (after ${afterSeconds} s)\n`);
      }
      if (FINAL_STATUSES.has(status)) return { policy, status, statuses };
      if (this.options.io?.signal?.aborted) this.stopped = 'interrupted';
      else if (this.now() >= deadline) this.stopped = 'timeout';
      if (this.stopped) return { policy, status, statuses };
      await this.sleep(this.options.intervalMs);
    }
  }
}

/** Whether two ReplayPolicy documents say the same (SNS may give back its own spacing). */
function samePolicy(a: string, b: string): boolean {
  try {
    const [x, y] = [JSON.parse(a) as Record<string, unknown>, JSON.parse(b) as Record<string, unknown>];
    const time = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : undefined);
    return x.PointType === y.PointType && time(x.StartingPoint) === time(y.StartingPoint) && time(x.EndingPoint) === time(y.EndingPoint);
  } catch {
    return a === b;
  }
}

/**
 * The topic's subscriptions to SQS queues, each named as the CLI names consumers: by the stack
 * output or local variable that holds its queue (`EventLogQueueUrl` -> `event-log`), else, on a
 * stack, by its queue's logical id without the CDK hash (`OrdersAuditQueue1A2B3C4D` ->
 * `orders-audit`, the name the local run gives it too), else by the queue's name.
 */
export async function subscribedConsumers(target: Target, topicArn: string): Promise<SubscribedConsumer[]> {
  const subscriptions: { SubscriptionArn?: string; Protocol?: string; Endpoint?: string }[] = [];
  let token: string | undefined;
  do {
    const out = await target.clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }));
    subscriptions.push(...(out.Subscriptions ?? []));
    token = out.NextToken;
  } while (token);
  const found: SubscribedConsumer[] = [];
  for (const s of subscriptions) {
    if (s.Protocol !== 'sqs' || !s.Endpoint || !s.SubscriptionArn || s.SubscriptionArn === 'PendingConfirmation') continue;
    const queue = s.Endpoint.slice(s.Endpoint.lastIndexOf(':') + 1);
    let name = target.consumers.find((c) => c.queueUrl !== undefined && queueName(c.queueUrl) === queue)?.name;
    if (!name) {
      const resource = target.stackResources?.find((r) => r.ResourceType === 'AWS::SQS::Queue' && r.PhysicalResourceId !== undefined && queueName(r.PhysicalResourceId) === queue);
      if (resource?.LogicalResourceId) name = consumerName(resource.LogicalResourceId);
    }
    found.push({ name: name ?? queue, subscriptionArn: s.SubscriptionArn, queueArn: s.Endpoint });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The subscription `--consumer` names: by its name, its queue's name, or the last parts of its
 * name (`audit` for `orders-audit`) when only one ends so. A usage error lists them otherwise.
 */
export function chooseSubscription(consumers: readonly SubscribedConsumer[], wanted: string, target: Target): SubscribedConsumer {
  const list = consumers.map((c) => c.name).join(', ') || 'no SQS subscription';
  const queue = (c: SubscribedConsumer) => c.queueArn.slice(c.queueArn.lastIndexOf(':') + 1);
  const exact = consumers.filter((c) => c.name === wanted || queue(c) === wanted);
  if (exact.length === 1) return exact[0];
  const ending = consumers.filter((c) => c.name.endsWith(`-${wanted}`));
  if (ending.length === 1 && exact.length === 0) return ending[0];
  const matched = exact.length > 1 ? exact : ending;
  if (matched.length > 1) {
    throw new CliError(`--consumer ${JSON.stringify(wanted)} names ${matched.length} subscriptions of the topic: ${matched.map((c) => c.name).join(', ')}`, EXIT.USAGE);
  }
  throw new CliError(`--consumer ${JSON.stringify(wanted)}: no such subscription of the topic in ${target.label}; it has ${list}`, EXIT.USAGE);
}

/**
 * A point in time for --since and --until: an ISO 8601 date and time (`2026-11-20T00:00:00Z`; one
 * without a zone is UTC), a date (`2026-11-20`, its start in UTC), `today` or `yesterday` (the
 * start of that UTC day), `now`, or a time ago (`90m`, `6h`, `2d`).
 */
export function parseTime(option: string, text: string, now: number): Date {
  const value = text.trim();
  const day = (offset: number) => {
    const d = new Date(now);
    return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + offset));
  };
  if (value === 'now') return new Date(now);
  if (value === 'today') return day(0);
  if (value === 'yesterday') return day(-1);
  const ago = /^(\d+)(m|h|d)$/.exec(value);
  if (ago) return new Date(now - Number(ago[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[ago[2] as 'm' | 'h' | 'd']);
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    const iso = value.length === 10 ? `${value}T00:00:00Z` : /Z|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`;
    const ms = Date.parse(iso.replace(' ', 'T'));
    if (!Number.isNaN(ms)) return new Date(ms);
  }
  throw new CliError(
    `--${option} ${JSON.stringify(text)}: not a time; give an ISO 8601 time (2026-11-20T10:00:00Z), a date (2026-11-20), ` +
      'today, yesterday, now, or a time ago (90m, 6h, 2d)',
    EXIT.USAGE,
  );
}
