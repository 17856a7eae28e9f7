/**
 * How the local run differs from AWS, whatever the template: printed at the start of each run,
 * with the notes about the template's own resources, and listed in docs/local-run.md (a test
 * checks that the page holds each of these lines as it is here).
 */
import { MIN_FUNCTION_TIMEOUT_MS } from './event-sources';

export interface Difference {
  readonly title: string;
  readonly text: string;
}

export const DIFFERENCES: readonly Difference[] = [
  {
    title: 'Execution environments are worker threads',
    text:
      "each runs in the local run's own Node.js process, on its Node.js version, not the function's runtime (nodejs22.x for the default consumers); " +
      'MemorySize is not enforced (there is no memory limit, and CPU is not proportional to memory), and environments share ' +
      "the machine's file system instead of each having its own /tmp",
  },
  {
    title: 'The AWS SDK comes from node_modules',
    text:
      "a module the bundle leaves out (the SDK clients) is resolved from the project's node_modules, at the versions in " +
      'package-lock.json, not at the versions the Lambda runtime includes',
  },
  {
    title: 'Only Node.js functions run',
    text: 'a Node.js function whose handler is not a .js, .mjs or .cjs file in its asset fails to start, by name; layers are not loaded',
  },
  {
    title: 'Functions of other runtimes are not run',
    text:
      'a function of another runtime (python3.x, java, dotnet, ruby, provided.al2023...) or from a container image is listed at the ' +
      'start and in the summary, by name and runtime, with the queues its event sources would consume; those queues are created ' +
      'and subscribed and their messages stay in them: nothing polls them, the demo does not wait for them, and the run goes on ' +
      'without the function. On AWS it would consume them',
  },
  {
    title: 'Environments start warm',
    text:
      'every execution environment is initialized before the first message, as with provisioned concurrency; on AWS they start ' +
      'on demand, so cold starts come with load. The init phase has no time limit here (10 s on AWS), and a cold start happens ' +
      'only after a crash or a timeout',
  },
  {
    title: 'Times are scaled',
    text:
      'function timeouts, visibility timeouts and batching windows are multiplied by --time-scale; a function timeout never drops ' +
      `below ${MIN_FUNCTION_TIMEOUT_MS / 1000} s (handlers run at local speed), and where it would, that event source's visibility ` +
      'timeout and batching window are scaled by the same larger factor, so visibility >= 6 x function timeout + window holds ' +
      'locally exactly when it holds in the template. The values in use are printed per event source. Message retention, delays, ' +
      'maximum message age and alarm periods are not scaled',
  },
  {
    title: 'Fractional visibility timeouts',
    text:
      'the event source receives with the scaled visibility timeout in fractional seconds, which fauxqs takes and SQS would refuse; ' +
      'the queue is created with it rounded up to whole seconds',
  },
  {
    title: 'Concurrency is fixed',
    text:
      'each event source polls with a fixed number of lanes (--concurrency, else the cores, 2 to 4, capped by MaximumConcurrency ' +
      'and reserved concurrency), each running one batch at a time; Lambda scales its pollers and invocations with the backlog ' +
      '(on a FIFO queue up to the number of active message groups), or keeps the minimum of a ProvisionedPollerConfig ready, ' +
      'which the local run ignores. Nothing is throttled, so invoke throttles and their retries do not happen',
  },
  {
    title: 'Redelivery only on visibility expiry',
    text:
      'a message is delivered again when its visibility timeout ends (a failure, a timeout, a crash or a slow invocation); Lambda ' +
      'may, rarely, invoke twice with the same message without that',
  },
  {
    title: 'No invocation payload limit',
    text: "a batch is not cut at Lambda's 6 MB invocation payload limit while it is gathered",
  },
  {
    title: 'Outdated receipt handles',
    text:
      "a delete made after the message's visibility timeout ended deletes nothing (fauxqs forgets the handle), whether or not the " +
      'message was received again, so it is processed again; on SQS the latest handle still deletes until the message is received ' +
      'again, and on a standard queue an older one may too. The summary counts such deletes (staleDeletes), not as processed. ' +
      'DeleteMessageBatch reports a garbage receipt handle as deleted',
  },
  {
    title: 'FIFO receives return runs of a group',
    text:
      'fauxqs is patched (packages/tools/src/local/runtime/fauxqs-fifo.cjs) to return as many messages of one group as it can, in order; SQS tries ' +
      'to, and how many it returns per group varies',
  },
  {
    title: 'SNS delivers at once',
    text:
      'fauxqs puts a message into each subscribed queue within Publish: no delivery retries and no service quotas or throttling ' +
      'on topics, queues or tables. The one delivery failure that happens is a subscribed queue that does not exist: it is counted ' +
      'per topic and subscription (NumberOfNotificationsFailed, in the summary and status --local) and the message is dropped, ' +
      'not sent to the subscription\'s dead-letter queue; a refusing queue policy or key does not happen locally',
  },
  {
    title: 'The topic archive and its replays are emulated',
    text:
      'fauxqs has neither; the local run keeps every message a FIFO topic with an ArchivePolicy accepts (a duplicate within 5 minutes ' +
      'once), with its MessageId, body, attributes, group and deduplication ids and the time it was accepted, in memory: the archive ' +
      'lasts for the run (MessageRetentionPeriod is not enforced, and a restart starts an empty one). A ReplayPolicy ' +
      '(replay --local, or SetSubscriptionAttributes) delivers its window at local speed, with the Replayed message attribute, into a ' +
      "FIFO queue even within its 5-minute deduplication interval, where AWS does not document what SQS does with a replayed message's " +
      'deduplication id. ReplayPolicy on Subscribe, the replay metrics and delivery retries are not emulated',
  },
  {
    title: 'DynamoDB is dynalite',
    text:
      'no TransactWriteItems, no TTL deletes and no Streams; UnprocessedItems is always empty and nothing is throttled, so those ' +
      "retry paths run only under the reliability suite's fault proxy; capacity modes are not emulated",
  },
  {
    title: 'No IAM, KMS, logs or metrics service',
    text:
      'IAM, KMS encryption and resource policies are not enforced; alarms, CloudWatch metrics, log groups and X-Ray traces do not ' +
      "exist, and function logs go to files (logs/ beside the endpoints file, or --log-dir); the handlers' EMF metric lines are " +
      'read from those files for the summary and status --local, not published',
  },
  {
    title: 'Callback handlers answer at once',
    text:
      "a handler's callback answers as soon as it is called: callbackWaitsForEmptyEventLoop is not honoured (on AWS the answer " +
      'waits for the event loop to empty unless it is false), and the legacy context.succeed, fail and done do nothing, so a ' +
      'handler that answers with them times out',
  },
  {
    title: 'NODE_OPTIONS',
    text: 'a thread cannot apply NODE_OPTIONS: --enable-source-maps is honoured, other options are ignored',
  },
  {
    title: 'The local API does not enforce IAM',
    text:
      'a method with AWS_IAM authorization is served without a signature check, and the integration calls the emulators unsigned ' +
      '(the integration role is not assumed); $context.identity has only sourceIp, userAgent and, with a key, apiKey and apiKeyId. ' +
      'Lambda authorizers and Cognito authorizers are refused, by method',
  },
  {
    title: 'API keys are made up locally',
    text:
      "an ApiKey without a Value gets a random 40-character value at each run (LocalPipeline.apis[].apiKeys), checked from x-api-key " +
      'against the usage plans of the stage; usage plan and stage throttles are token buckets in this process and quotas count per ' +
      'UTC day, week or month (Quota.Offset is ignored); the account-level throttle is not applied',
  },
  {
    title: 'Validation errors are worded by ajv',
    text:
      "$context.error.validationErrorString is built from ajv's draft-4 errors in the words of API Gateway's Java validator " +
      '([object has missing required properties ([\\"id\\"])]...); the order of several errors, the wording of rare keywords and of ' +
      'an unparsable body differ, and format keywords are not checked',
  },
  {
    title: 'Mapping templates run on velocityjs',
    text:
      "$input, $util, $context and $stageVariables are API Gateway's; Java methods on values are JavaScript's plus length(), isEmpty(), " +
      'equals(), contains(), containsKey(), matches(), replaceAll() and split(), whose regular expressions are JavaScript ones. ' +
      'JSONPath takes $, .name, [\'name\'], ["name"], [n] (negative counts from the end), [*], .* and .length() only; numbers are re-serialized by JavaScript',
  },
  {
    title: 'Repeated request headers',
    text: 'a header sent more than once reaches the mapping templates and parameters with its first value',
  },
  {
    title: 'SNS behind the API is fauxqs',
    text:
      "query-string parameters of the integration request are moved into fauxqs' form body (fauxqs reads only the body); its XML " +
      'answers are converted to JSON when the request asks for application/json; Publish and PublishBatch to a FIFO topic answer without SequenceNumber; ' +
      'PublishBatch is not checked against its 256 KiB total (BatchRequestTooLong, which the Events API answers 413): an entry over 256 KiB fails ' +
      'alone (InvalidParameter) and the others are published',
  },
  {
    title: 'Not emulated',
    text:
      'event filtering (FilterCriteria on a mapping) and inline code of a Node.js function are refused; non-SQS event sources and ' +
      'resources that do not matter locally are listed as skipped. The local API serves REST APIs (v1) with AWS integrations to SNS ' +
      'and DynamoDB and MOCK integrations; any other integration, an OpenAPI Body, binary content handling, custom domains, ' +
      'caching, canaries and access logs are refused or not served',
  },
];

export function formatDifference(d: Difference): string {
  return `**${d.title}**: ${d.text}.`;
}
