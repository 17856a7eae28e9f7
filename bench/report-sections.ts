/**
 * The sections of docs/benchmarks.md, one per figure: how it was measured,
 * every sample, and what is modelled rather than measured.
 */
import { cpuMsPerEvent } from '../local/bench';
import type { CostPerMillion, PipelineUse } from './cost-model';
import { THROUGHPUT_GOAL, kb, secs, usd, variant, type BenchResults } from './figures';
import { PRICES } from './prices';

const f3 = (n: number) => n.toFixed(3);
const ms = (n: number) => `${n.toFixed(1)} ms`;
const list = (xs: number[], fmt: (n: number) => string) => xs.map(fmt).join(', ');
const notMeasured = (r: BenchResults, section: string) => [`Not measured in this run: ${r.errors[section] ?? 'unknown error'}.`];

export function baselineSection(): string[] {
  return [
    '**The baseline** ([bench/baseline/](../bench/baseline)) is the same topology written the way the usual examples are:',
    'a `cdk init` layout run with `ts-node`, a snapshot test run with `ts-jest`, two `NodejsFunction`s bundled by esbuild at synth,',
    'one `PutCommand` per record (a conditional one for the state), `SqsEventSource` with `batchSize: 1`, and the defaults of',
    '`NodejsFunction` (x86_64, 128 MB). It has the same tables, the same `bySubject` index and the same queues and dead-letter',
    'queues, without cdk-nag or KMS, which only make its synth and its bill smaller. Its `cdk.json` carries the feature flags that',
    '`cdk init` writes (CLI 2.1148.1), so the built-in CloudFormation validation runs at its synth, as it does by default; the sample',
    'app runs that validation in its tests instead (`CDK_VALIDATION=true` turns it on at synth).',
  ];
}

export function synthSection(r: BenchResults): string[] {
  const head = ['## 1. Synth time', ''];
  if (!r.synth) return [...head, ...notMeasured(r, '1')];
  return [
    ...head,
    'A cold `cdk synth -q` (a fresh output directory each time) of the sample app (`node --import tsx bin/app.ts`, cdk-nag',
    'AwsSolutions and Serverless packs; the handlers are pre-built, so nothing is bundled) and of the baseline',
    `(\`npx ts-node --prefer-ts-exts bin/baseline.ts\`, which type-checks, and bundles two functions), ${r.plan.rounds} round(s), taking turns.`,
    `Samples: sample app ${list(r.synth.sample.samples, secs)}; baseline ${list(r.synth.baseline.samples, secs)}.`,
  ];
}

export function testSection(r: BenchResults): string[] {
  const head = ['## 2. Test time', ''];
  if (!r.tests) return [...head, ...notMeasured(r, '2')];
  return [
    ...head,
    'The whole unit suite (jest with @swc/jest, every test file except `*.e2e.test.ts` and `test/consumer/`) against the',
    `baseline's single snapshot test (jest with ts-jest, which type-checks, and bundles at synth), ${r.plan.rounds} round(s), taking turns.`,
    `Samples: unit suite ${list(r.tests.suite.samples, secs)}; baseline ${list(r.tests.baseline.samples, secs)}.`,
    ...(r.tests.failedRuns > 0 ? [`**Tests failed in ${r.tests.failedRuns} of ${r.plan.rounds} unit suite run(s)**: the time is reported, the goal is not met.`] : []),
  ];
}

export function handlerSection(r: BenchResults): string[] {
  const head = ['## 3. Handler throughput and DynamoDB requests per event', ''];
  if (!r.handlers) return [...head, ...notMeasured(r, '3')];
  const el = variant(r, 'eventLog');
  const bel = variant(r, 'baselineEventLog');
  const sp = variant(r, 'stateProjector');
  const spg = variant(r, 'stateProjectorByGroup');
  const bsp = variant(r, 'baselineStateProjector');
  return [
    ...head,
    `The bundled handlers (\`assets/*/index.js\`) and the baseline's, bundled the way \`NodejsFunction\` bundles them, each in a process`,
    'of its own, against dynalite in a worker thread behind a proxy that counts every request by `X-Amz-Target` and the write',
    `request units of every item written. The stream is the local run's scenario, ${r.plan.events.toLocaleString('en-US')} events over`,
    `${r.plan.subjects} subjects (out-of-order events and string sequences included; no duplicates, which the SNS FIFO topic`,
    'removes, and no malformed events). Batches reach the handler one at a time, as in one warm Lambda execution environment:',
    '100 records for the event log (its default batch size; a full batch at load), 10 for the state projector, 1 for the baseline.',
    'FIFO batches are cut two ways: **publish order** (consecutive records, mostly one per subject: what a receive returns when many',
    'groups have one message waiting) and **by group** (up to 10 records of one subject: what it returns when groups have a backlog).',
    `The run is cut into ${r.plan.slices} slices and the variants take turns slice by slice; events/s is the median over the slices.`,
    '',
    '| variant | events/s (median) | slices | DynamoDB requests / event | write units / event | mean invocation | failed records | check |',
    '| --- | ---: | --- | --- | ---: | ---: | ---: | --- |',
    ...r.handlers.map((v) => {
      const actions = Object.entries(v.requestsByAction).map(([a, n]) => `${a} ${n}`).join(', ');
      return (
        `| ${v.label} | ${Math.round(v.eventsPerSecond)} | ${list(v.sliceEventsPerSecond, (n) => n.toFixed(0))} | ${f3(v.requestsPerEvent)} (${actions})` +
        ` | ${f3(v.writeUnitsPerEvent)} | ${ms(v.meanInvocationMs)} | ${v.failedRecords} | ${v.verified ? 'ok' : '**failed**'}: ${v.verifyDetail} |`
      );
    }),
    '',
    `- The event log makes ${f3(el.writeRequestsPerEvent)} write requests per event (BatchWriteItem, 25 items each) against the`,
    `  baseline's ${f3(bel.writeRequestsPerEvent)}. Write *units* stay at one per item: batching saves requests and time, not units.`,
    '- The state projector writes only the newest event of each subject in a batch. In publish order that saves little',
    `  (${f3(sp.writeRequestsPerEvent)} writes per event); with backlogged groups it writes ${f3(spg.writeRequestsPerEvent)} per event.`,
    "  After every run the bench scans the state table and compares each subject's item with the in-order fold of the stream",
    `  (its event with the highest sequence): ${sp.verified && spg.verified && bsp.verified ? 'equal in every variant' : '**not equal**'}. The unit tests`,
    '  that pin this are `test/lambda/state-plan.test.ts` (which records are written and which are superseded) and',
    '  `test/lambda/state-projector.test.ts` ("writes only the newest event of each message group in the batch", "ends in the state',
    '  of the in-order fold, with duplicates, out-of-order and stale events", "reaches the fold once the failed records of a group',
    '  are redelivered").',
    '- Events/s are per process on an emulator that runs on the same two cores: they compare the handlers, not AWS. DynamoDB',
    '  latency on AWS is a few ms per request, so the baseline, which waits for one request per record, gains least from it.',
  ];
}

export function coldStartSection(r: BenchResults): string[] {
  const head = ['## 4. Cold start', ''];
  if (!r.coldStart) return [...head, ...notMeasured(r, '4')];
  return [
    ...head,
    'Bundle size, and module init: a fresh `node -e` that requires the bundle (creating the DynamoDB client and the logger) and',
    `prints how long the require took, ${r.plan.coldIterations} times each, taking turns. \`@aws-sdk/*\` is external in every bundle, as the`,
    "nodejs22.x runtime provides SDK v3; here it is loaded from the project's `node_modules` through `NODE_PATH`, as the runtime does",
    "from `/var/runtime/node_modules`. The project's bundles carry Powertools (batch, logger) and valibot and are minified; the",
    "baseline's carry only their own code.",
    '',
    '| bundle | size | gzip | init (median) | whole `node -e` (median) | init samples |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...r.coldStart.map(
      (c) => `| ${c.name} | ${kb(c.bytes)} | ${kb(c.gzipBytes)} | ${ms(c.initMs)} | ${ms(c.processMs)} | ${list(c.initSamples, (n) => n.toFixed(0))} |`,
    ),
  ];
}

export function endToEndSection(r: BenchResults): string[] {
  const head = ['## 5. End-to-end local run', ''];
  const e2e = r.e2e;
  if (!e2e) return [...head, ...notMeasured(r, '5'), 'The cost model took AWS batch maxima for the inputs it takes from here.'];
  return [
    ...head,
    `The sample app's synthesized template on fauxqs and dynalite (\`local/\`, time scale ${e2e.timeScale}), ${e2e.events.toLocaleString('en-US')} events`,
    `over ${r.plan.subjects} subjects plus the scenario's duplicates (${e2e.publishes.toLocaleString('en-US')} publishes, ${e2e.publishCalls} PublishBatch calls):`,
    `**${Math.round(e2e.eventsPerSecond)} events/s**, latency from publish to handler success **p50 ${e2e.p50Ms} ms, p99 ${e2e.p99Ms} ms**,`,
    `${e2e.drained ? 'queues drained' : '**queues not drained**'} (one run; it takes every core of the machine, so it is not repeated).`,
    `The publisher does not wait for the pipeline (${Math.round(e2e.publishPerSecond)} messages/s here), so a backlog builds up and`,
    'the latency is mostly time spent waiting in the queues; it grows with the number of events. Everything runs on the same two',
    "cores and the batching windows are scaled by the time scale: this measures the pipeline's own overhead, not AWS latency,",
    'which is **modelled** (section 6) and not measured here.',
    '',
    '| queue | messages | invocations | mean batch | receives (+ empty) | DeleteMessageBatch (estimated) | mean handler time |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...e2e.queues.map(
      (q) =>
        `| ${q.fifo ? 'FIFO' : 'standard'} (${q.function}) | ${q.messages} | ${q.invocations} | ${q.meanBatchSize.toFixed(1)} | ${q.receives} (+ ${q.emptyReceives}) | ${q.deleteCalls} | ${ms(q.meanHandlerMs)} |`,
    ),
    '',
    'DeleteMessageBatch calls are estimated from batches and deleted messages (up to 10 per call); the local poller does not count them.',
    ...throughputLines(r),
    `The functions reached dynalite through the request counter of section 3: ${Object.entries(e2e.dynamodbRequests)
      .map(([action, n]) => `${action} ${n} (${f3(n / e2e.events)} per event)`)
      .join(', ')}; write units of the items written (the events table's index adds as many) ${Object.entries(e2e.dynamodbWriteUnits)
      .map(([table, n]) => `${table} ${n}`)
      .join(', ')}. FIFO receives hand out runs of one message group, as on SQS (docs/local-run.md, "FIFO receives"), so the state projector writes once per subject per batch.`,
  ];
}

/** The run without the request counter: the throughput figure, its goal, and where the CPU went. */
function throughputLines(r: BenchResults): string[] {
  const t = r.throughput;
  if (!t) return ['', ...notMeasured(r, '5'), ''];
  const goal = t.events >= 10_000 ? ` (goal ≥ ${THROUGHPUT_GOAL.toLocaleString('en-US')}: ${t.eventsPerSecond >= THROUGHPUT_GOAL ? 'met' : '**missed**'})` : '';
  return [
    '',
    `**Throughput.** The same scenario without the request counter in front of dynalite (\`local/bench.ts\`, default concurrency):`,
    `**${Math.round(t.eventsPerSecond)} events/s** end to end${goal}, p50 ${Math.round(t.latencyMs.p50 ?? 0)} ms, p99 ${Math.round(t.latencyMs.p99 ?? 0)} ms;`,
    `the process used ${t.cpuCores.toFixed(2)} cores, ${cpuMsPerEvent(t).toFixed(2)} ms of CPU per event, load average ${t.loadAverage.toFixed(2)} at its start. ${t.measure} per thread, as a share of one core:`,
    '',
    '| thread | share |',
    '| --- | ---: |',
    ...Object.entries(t.busy).map(([thread, share]) => `| ${thread} | ${(share * 100).toFixed(0)}% |`),
    '',
  ];
}

function useTable(uses: readonly PipelineUse[], costs: readonly CostPerMillion[]): string[] {
  const cell = (f: (u: PipelineUse) => string) => uses.map(f).join(' | ');
  const q = (u: PipelineUse, fifo: boolean) => u.queues.find((x) => x.fifo === fifo)!;
  const sqs = (u: PipelineUse, fifo: boolean) => `${q(u, fifo).sendsPerEvent} + ${f3(q(u, fifo).receivesPerEvent)} + ${f3(q(u, fifo).deletesPerEvent)}`;
  const fn = (u: PipelineUse, i: number) => {
    const f = u.functions[i];
    return `${f3(f.invocationsPerEvent)} × ${f.msPerInvocation.toFixed(1)} ms, ${f.memoryMb}, ${f.architecture}`;
  };
  return [
    `| per event | ${uses.map((u) => u.name).join(' | ')} |`,
    `| --- | ${uses.map(() => '---:').join(' | ')} |`,
    `| SNS publish requests | ${cell((u) => f3(u.publishRequestsPerEvent))} |`,
    `| SNS deliveries (subscriptions) | ${cell((u) => String(u.deliveriesPerEvent))} |`,
    `| SQS standard: send + receive + delete | ${cell((u) => sqs(u, false))} |`,
    `| SQS FIFO: send + receive + delete | ${cell((u) => sqs(u, true))} |`,
    `| event log: invocations × ms, MB, arch | ${cell((u) => fn(u, 0))} |`,
    `| state projector: invocations × ms, MB, arch | ${cell((u) => fn(u, 1))} |`,
    `| DynamoDB write request units | ${cell((u) => f3(u.writeUnitsPerEvent))} |`,
    `| **USD per million events: SNS** | ${costs.map((c) => usd(c.sns)).join(' | ')} |`,
    `| SQS | ${costs.map((c) => usd(c.sqs)).join(' | ')} |`,
    `| Lambda | ${costs.map((c) => usd(c.lambda)).join(' | ')} |`,
    `| DynamoDB | ${costs.map((c) => usd(c.dynamodb)).join(' | ')} |`,
    `| **total** | ${costs.map((c) => `**${usd(c.total)}**`).join(' | ')} |`,
  ];
}

function priceTable(): string[] {
  const known = (p: object) => ('asKnown' in p && p.asKnown ? 'AWS price list as known (the stored pages did not show it); ' : '');
  return [
    '| price (us-east-1) | USD | source | read |',
    '| --- | ---: | --- | --- |',
    ...Object.values(PRICES).map((p) => `| ${p.unit} | ${p.usd} | ${known(p)}${p.source} | ${p.read} |`),
  ];
}

export function costSection(r: BenchResults): string[] {
  const head = ['## 6. Cost per million events', ''];
  if (!r.cost) return [...head, ...notMeasured(r, '6')];
  const { uses, costs } = r.cost;
  return [
    ...head,
    'A model in code (`bench/cost-model.ts`, inputs in `bench/cost-lines.ts`, unit-tested in `test/bench/cost-model.test.ts`) fed with',
    'the request counts measured above: SNS publish requests (FIFO price, 64 KB chunks) and payload, SNS deliveries and their payload,',
    "SQS requests in 64 KB chunks with the FIFO price on the FIFO queue, counting SNS's send and the Lambda poller's receives and",
    'deletes, Lambda invocations and GB-seconds at the measured mean invocation time (rounded up to the ms) and memory, and DynamoDB',
    "write request units (the `bySubject` index doubles the events table's). It is **modelled**: the durations are local ones, against",
    'an emulator.',
    '',
    '- **defaults**: PublishBatch calls, receives and deletes per event from the local run (5); invocations, durations and write units',
    '  from the handler runs (3), state projector in publish order; 256 MB arm64.' +
      (r.cost.modelledInputs.length ? ` Modelled in this run: ${r.cost.modelledInputs.join('; ')}.` : ''),
    '- **baseline**: one Publish per event (the usual example publishes one at a time), one receive and one delete per message',
    "  (batch size 1), the baseline handlers' measured durations at 128 MB x86_64, one PutItem per event and table.",
    '- **floor**: what one event costs whatever the configuration, at steady load: 1/10 PublishBatch, its payload, 2 deliveries; per',
    "  queue SNS's send plus 1/10 receive and 1/10 delete; Lambda at the largest batches (10,000 standard, 10 FIFO) and the",
    '  minimum billed duration (1 ms at 128 MB arm64); one write of each item (events table, its index, state table). Writing the',
    '  state less than once per event is up to the traffic (section 3), not the configuration, so the floor does not count on it.',
    '',
    ...useTable([uses.defaults, uses.baseline, uses.floor], [costs.defaults, costs.baseline, costs.floor]),
    '',
    `Defaults ÷ floor: **${(costs.defaults.total / costs.floor.total).toFixed(2)}×** (goal ≤ 1.2×); defaults ÷ baseline:`,
    `**${(costs.defaults.total / costs.baseline.total).toFixed(2)}×**. Event size: ${Math.round(r.eventBytes)} bytes (body and \`type\` attribute).`,
    '',
    ...priceTable(),
    '',
    'Not in the model: the customer-managed KMS key ($1 a month, and KMS requests that SQS and SNS make once per data key reuse',
    "period, not per event), CloudWatch Logs ingestion (per invocation: Lambda's START/END/REPORT lines and one Powertools",
    "`Batch processed` line, so the baseline's one invocation per record costs more here too), X-Ray traces (sampled), the free",
    "tiers, and the Lambda pollers' empty long polls on idle queues, a fixed cost of a few hundred thousand requests a month per",
    'queue that does not grow with events.',
  ];
}
