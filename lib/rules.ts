// The rules a consumer's settings (and a dashboard's) must follow, shared by
// QueueConsumer and PipelineDashboard (which check their own props) and
// EventPipeline (which checks both consumers' props and its dashboard's before
// it creates anything, and reports them with its own). Internal: not exported
// from index.ts.
import { Duration, Token } from 'aws-cdk-lib';
import type { PipelineDashboardOptions } from './pipeline-dashboard';
import type { ConsumerOptions } from './queue-consumer';
import { PropsValidator, seconds } from './validation';

/** The function timeout when none is given. */
const DEFAULT_TIMEOUT = Duration.seconds(30);

/** A consumer's settings with the defaults filled in. */
export interface ConsumerSettings {
  readonly timeout: Duration;
  readonly batchSize: number;
  readonly window?: Duration;
  readonly maxReceiveCount: number;
  readonly visibilityTimeout: Duration;
  /** Provisioned mode with both bounds filled in, or undefined for the default mode. */
  readonly provisionedPollers?: { readonly minimumPollers: number; readonly maximumPollers: number };
}

/**
 * The bounds of provisioned mode on an SQS event source, and AWS's defaults.
 * Sources: the Lambda developer guide, "Lambda parameters for Amazon SQS event
 * source mappings" (services-sqs-parameters: ProvisionedPollerConfig, minimum
 * 2-200 and maximum 2-2000 for SQS) and the CloudFormation reference,
 * AWS::Lambda::EventSourceMapping ProvisionedPollerConfig (SQS: minimum 2,
 * default 2; maximum default 200, at most 2,000), which aws-cdk-lib's
 * SqsEventSource enforces from 2.263.0 on. The Lambda API accepts up to
 * 10,000 maximum pollers for SQS since August 2026; CloudFormation and
 * aws-cdk-lib still refuse more than 2,000.
 *
 * FIFO queues: allowed. The same parameters page marks what FIFO queues do not
 * take (a batch size over 10, a batching window) and marks nothing for
 * ProvisionedPollerConfig; "Configuring scaling behavior for SQS event source
 * mappings" (services-sqs-scaling) describes provisioned mode for the event
 * source mappings of both kinds of queue, and aws-cdk-lib's SqsEventSource,
 * which refuses a batching window on a FIFO queue, accepts provisioned mode
 * on one.
 */
export const PROVISIONED_POLLERS = { minimum: [2, 200], maximum: [2, 2000], defaults: { minimumPollers: 2, maximumPollers: 200 } } as const;

/**
 * The settings a consumer runs with. Call it only once `checkConsumerOptions`
 * found no problem: the default visibility timeout is computed from the
 * timeout and window, which must then be literal whole seconds.
 */
export function consumerSettings(options: ConsumerOptions, fifo: boolean): ConsumerSettings {
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const window = options.maxBatchingWindow ?? defaultWindow(fifo);
  return {
    timeout,
    window,
    batchSize: options.batchSize ?? (fifo ? 10 : 100),
    maxReceiveCount: options.maxReceiveCount ?? 5,
    visibilityTimeout:
      options.visibilityTimeout ?? Duration.seconds(6 * timeout.toSeconds() + (window?.toSeconds() ?? 0)),
    provisionedPollers: options.provisionedPollers && { ...PROVISIONED_POLLERS.defaults, ...definedOnly(options.provisionedPollers) },
  };
}

const defaultWindow = (fifo: boolean) => (fifo ? undefined : Duration.seconds(1));

/** The keys of `o` whose value is not undefined (a jsii struct from another language may carry them). */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/**
 * Records every problem with a consumer's options in `v`, each naming the prop
 * as `prefix` + its name (`eventLog.batchSize`). Warnings are added only when
 * `warnings` is true, so that a pipeline that checks its consumers' options
 * before creating them does not warn twice.
 *
 * Tokens: range checks skip them. A Duration token must be in seconds, since
 * it cannot be converted. A token timeout or window needs an explicit
 * visibilityTimeout, since the default is computed from them. A token batch
 * size on a FIFO queue is accepted with a warning.
 */
export function checkConsumerOptions(
  v: PropsValidator,
  options: ConsumerOptions,
  fifo: boolean,
  prefix = '',
  warnings = true,
): void {
  const p = (prop: string) => prefix + prop;
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const window = options.maxBatchingWindow ?? defaultWindow(fifo);
  const batchSize = options.batchSize ?? (fifo ? 10 : 100);
  const maxReceiveCount = options.maxReceiveCount ?? 5;

  durationRange(v, p('timeout'), options.timeout, 1, 900);
  v.range(p('maxReceiveCount'), options.maxReceiveCount, 1, 1000);
  if (warnings && !Token.isUnresolved(maxReceiveCount) && maxReceiveCount >= 1 && maxReceiveCount < 5) {
    v.warn(
      'maxReceiveCount',
      `${p('maxReceiveCount')} ${maxReceiveCount} is below 5: a throttled or retried batch can dead-letter healthy messages`,
    );
  }
  if (fifo) {
    v.range(p('batchSize'), options.batchSize, 1, 10, ' on a FIFO queue');
    if (warnings && Token.isUnresolved(batchSize)) {
      v.warn(
        'fifoBatchSizeToken',
        `${p('batchSize')}: a token cannot be checked at synth; on a FIFO queue it must resolve to a whole number between 1 and 10, or the deployment fails`,
      );
    }
    v.check(
      options.maxBatchingWindow !== undefined,
      `${p('maxBatchingWindow')}: not allowed on a FIFO queue (got ${options.maxBatchingWindow?.toHumanString()}); remove it`,
    );
  } else {
    v.range(p('batchSize'), options.batchSize, 1, 10000, ' on a standard queue');
    durationRange(v, p('maxBatchingWindow'), options.maxBatchingWindow, 0, 300);
    const windowSeconds = seconds(window) ?? 0;
    v.check(
      !Token.isUnresolved(batchSize) && !window?.isUnresolved() && batchSize > 10 && windowSeconds < 1,
      `${p('batchSize')}: over 10 needs a maxBatchingWindow of at least 1 second (got batchSize ${batchSize}, window ${windowSeconds}s)`,
    );
  }

  // On a FIFO queue a window is refused above, token or not.
  const tokens = [timeout.isUnresolved() && 'timeout', !fifo && window?.isUnresolved() && 'maxBatchingWindow'].filter(Boolean);
  if (tokens.length > 0) {
    v.check(
      options.visibilityTimeout === undefined,
      `${p('visibilityTimeout')}: required when ${tokens.join(' or ')} is a token, since the default 6 × timeout + maxBatchingWindow ` +
        'cannot be computed at synth (got undefined); set it to at least 6 × timeout + maxBatchingWindow',
    );
  } else {
    const needed = 6 * (seconds(timeout) ?? 0) + (seconds(window) ?? 0);
    const visibility = seconds(options.visibilityTimeout);
    v.check(
      visibility !== undefined && visibility < needed,
      `${p('visibilityTimeout')}: must be at least 6 × timeout + maxBatchingWindow = ${needed} seconds (got ${visibility} seconds)`,
    );
  }
  durationRange(v, p('visibilityTimeout'), options.visibilityTimeout, 0, 43200);
  v.range(p('maxConcurrency'), options.maxConcurrency, 2, 1000);
  checkProvisionedPollers(v, options, p);
  v.range(p('memorySize'), options.memorySize, 128, 10240, ' MB');
  v.check(
    options.eventTypes !== undefined && options.filterPolicy !== undefined,
    `${p('eventTypes')}, ${p('filterPolicy')}: give one or the other, not both`,
  );
  v.check(
    options.eventTypes !== undefined && options.eventTypes.length === 0,
    `${p('eventTypes')}: must name at least one type (got [])`,
  );
  durationUnit(v, p('maxMessageAge'), options.maxMessageAge, 'seconds');
}

/** Provisioned mode: not with maxConcurrency, each bound in its range, the minimum not above the maximum. */
function checkProvisionedPollers(v: PropsValidator, options: ConsumerOptions, p: (prop: string) => string): void {
  const pollers = options.provisionedPollers;
  if (pollers === undefined) return;
  v.check(
    options.maxConcurrency !== undefined,
    `${p('provisionedPollers')}, ${p('maxConcurrency')}: give one or the other, not both (got maxConcurrency ${options.maxConcurrency} ` +
      `and provisionedPollers); in provisioned mode ${p('provisionedPollers.maximumPollers')} caps the concurrency (up to 10 invocations a poller)`,
  );
  const { minimum, maximum, defaults } = PROVISIONED_POLLERS;
  v.range(p('provisionedPollers.minimumPollers'), pollers.minimumPollers, minimum[0], minimum[1], ' on an SQS event source');
  v.range(p('provisionedPollers.maximumPollers'), pollers.maximumPollers, maximum[0], maximum[1], ' on an SQS event source');
  // With a bound left to its default, the other one in its range cannot cross it.
  const min = pollers.minimumPollers ?? defaults.minimumPollers;
  const max = pollers.maximumPollers ?? defaults.maximumPollers;
  const inRange = (n: number, [lo, hi]: readonly [number, number]) => !Token.isUnresolved(n) && Number.isInteger(n) && n >= lo && n <= hi;
  v.check(
    inRange(min, minimum) && inRange(max, maximum) && min > max,
    `${p('provisionedPollers.minimumPollers')}: must not be above maximumPollers (got minimumPollers ${min}, maximumPollers ${max})`,
  );
}

/**
 * Checks a Duration that AWS takes as a whole number of `unit`, between `min`
 * and `max`. A token is not range-checked, but must be given in `unit`
 * (`Duration.seconds(token)`): the CDK cannot convert a token to another unit.
 */
export function durationRange(
  v: PropsValidator,
  prop: string,
  d: Duration | undefined,
  min: number,
  max: number,
  unit: 'seconds' | 'days' = 'seconds',
): void {
  if (d === undefined) return;
  if (d.isUnresolved()) {
    durationUnit(v, prop, d, unit);
    return;
  }
  v.range(prop, unit === 'days' ? d.toDays({ integral: false }) : d.toSeconds({ integral: false }), min, max, ` ${unit}`);
}

/** Checks that a Duration token is given in `unit`, the only unit it can be read in. */
function durationUnit(v: PropsValidator, prop: string, d: Duration | undefined, unit: 'seconds' | 'days'): void {
  v.check(
    d !== undefined && d.isUnresolved() && d.unitLabel() !== unit,
    `${prop}: a token must be given in ${unit}, as Duration.${unit}(token), since the CDK cannot convert it (got ${d?.toHumanString()})`,
  );
}

/**
 * Records the problems with a consumer's subscription dead-letter queue in `v`:
 * both ways of giving one at once, and a queue whose kind is not the topic's
 * (AWS: FIFO topic subscriptions use FIFO queues, standard topic subscriptions
 * standard queues, whatever the kind of the subscribed queue). `topicFifo` is
 * undefined when the topic's kind cannot be told.
 */
export function checkSubscriptionDeadLetterQueue(
  v: PropsValidator,
  options: ConsumerOptions,
  topicFifo: boolean | undefined,
  prefix = '',
): void {
  const p = (prop: string) => prefix + prop;
  const kind = (isFifo: boolean) => (isFifo ? 'FIFO' : 'standard');
  const queue = options.subscriptionDeadLetterQueue;
  v.check(
    queue !== undefined && options.createSubscriptionDeadLetterQueue === true,
    `${p('createSubscriptionDeadLetterQueue')}: give either this or ${p('subscriptionDeadLetterQueue')} (got both)`,
  );
  if (queue === undefined || topicFifo === undefined) return;
  v.check(
    queue.fifo !== topicFifo,
    `${p('subscriptionDeadLetterQueue')}: must be a ${kind(topicFifo)} queue, because the topic is ${kind(topicFifo)} ` +
      `and a subscription's dead-letter queue is of its topic's kind (got a ${kind(!topicFifo)} queue ${queue.node.path})`,
  );
}

/**
 * Records the problems with a dashboard's options in `v`, each naming the prop
 * as `prefix` + its name: a name CloudWatch refuses, and a period that is not
 * a whole number of minutes from 1 to 1,440 (a token in seconds is not checked).
 */
export function checkDashboardOptions(v: PropsValidator, options: PipelineDashboardOptions, prefix = ''): void {
  const p = (prop: string) => prefix + prop;
  const name = options.dashboardName;
  v.check(
    name !== undefined && !Token.isUnresolved(name) && !/^[A-Za-z0-9_-]{1,255}$/.test(name),
    `${p('dashboardName')}: must be 1 to 255 letters, digits, '-' or '_' (got ${JSON.stringify(name)})`,
  );
  durationRange(v, p('period'), options.period, 60, 86400);
  const periodSeconds = seconds(options.period);
  v.check(
    periodSeconds !== undefined && periodSeconds >= 60 && periodSeconds <= 86400 && periodSeconds % 60 !== 0,
    `${p('period')}: must be a whole number of minutes (got ${periodSeconds} seconds)`,
  );
}

/**
 * Records the problems with a topic archive's retention in `v`: SNS keeps a
 * FIFO topic's messages from 1 to 365 whole days (`ArchivePolicy`'s
 * `MessageRetentionPeriod`). A token is not checked. `ownTopic` is false
 * when the user passes a topic of their own, whose archive the construct
 * cannot set.
 */
export function checkArchive(v: PropsValidator, days: number | undefined, ownTopic: boolean, prefix = ''): void {
  if (days === undefined) return;
  const prop = `${prefix}messageRetentionPeriodInDays`;
  v.range(prop, days, 1, 365, ' days');
  v.check(
    !ownTopic,
    `${prop}: only for the FIFO topic the construct creates (got ${days} with a topic of your own); ` +
      'set the archive on your topic (sns.Topic messageRetentionPeriodInDays), or leave this out',
  );
}
