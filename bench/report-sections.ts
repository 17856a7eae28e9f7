/**
 * The sections of docs/benchmarks.md, one per figure: how it was measured,
 * every sample, and what is modelled rather than measured.
 */
import { type PublishVariantFigures, blockSpread } from './api-publish';
import type { CostLines } from './cost-lines';
import type { CostPerMillion, PipelineUse } from './cost-model';
import { writeUnitsPerEvent, type EndToEndFigures } from './end-to-end';
import { THROUGHPUT_GOAL, kb, secs, usd, variant, type BenchResults } from './figures';
import { cpuMsPerEvent } from './local-bench';
import { PRICES } from './prices';
import { spread } from './stats';
import { synthRatios } from './synth';

const f3 = (n: number) => n.toFixed(3);
const ms = (n: number) => `${n.toFixed(1)} ms`;
const list = (xs: number[], fmt: (n: number) => string) => xs.map(fmt).join(', ');
const notMeasured = (r: BenchResults, section: string) => [`Not measured in this run: ${r.errors[section] ?? 'unknown error'}.`];

export function baselineSection(): string[] {
  return [
    '**The baseline** ([bench/baseline/](../bench/baseline)) is the same topology written the way the usual examples are, at CDK\'s',
    'defaults: a `cdk init` layout run with `ts-node`, a snapshot test run with `ts-jest`, two `NodejsFunction`s bundled by esbuild',
    'at synth, one `PutCommand` per record (a conditional one for the state), `SqsEventSource` with no `batchSize` (CDK\'s and',
    'Lambda\'s default, 10, for both kinds of queue), the defaults of `NodejsFunction` (x86_64, 128 MB), and a publisher that uses',
    'PublishBatch (10 events per call), as the usual examples do. It has the same tables, the same `bySubject` index and the same',
    'queues and dead-letter queues, without cdk-nag or KMS, which only make its synth and its bill smaller. Its `cdk.json` carries the',
    'feature flags that `cdk init` writes (CLI 2.1148.1), so the built-in CloudFormation validation runs at its synth, as it does by',
    'default; the sample app runs that validation in its tests instead (`CDK_VALIDATION=true` turns it on at synth). Synth is therefore',
    'compared at equal settings (section 1). A **naive** variant of the baseline, at batch size 1 and one Publish per event, is kept',
    'in sections 3 and 6 for reference; no headline ratio uses it.',
  ];
}

export function synthSection(r: BenchResults): string[] {
  const head = ['## 1. Synth time', ''];
  if (!r.synth) return [...head, ...notMeasured(r, '1')];
  const q = synthRatios(r.synth);
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  return [
    ...head,
    'A cold `cdk synth -q` (a fresh output directory each time) of the sample app (`node --import tsx bin/app.ts`, cdk-nag',
    'AwsSolutions and Serverless packs; the handlers are pre-built, so nothing is bundled) and of the baseline',
    '(`npx ts-node --prefer-ts-exts bin/baseline.ts`, which bundles two functions), in each setting below,',
    `${r.plan.rounds} round(s), every setting in turn each round. CloudFormation validation is CDK's built-in one: on with`,
    '`CDK_VALIDATION=true` for the sample app (off by default), off with `CDK_VALIDATION=false` for the baseline (on by default).',
    'Type-checking differs too: tsx runs the sample app without it, ts-node type-checks the baseline unless',
    '`TS_NODE_TRANSPILE_ONLY=true`.',
    '',
    '| app | validation | type-checked | its default | median | samples |',
    '| --- | --- | --- | --- | ---: | --- |',
    ...r.synth.settings.map(
      (x) => `| ${x.app === 'sample' ? 'sample app' : 'baseline'} | ${x.validation ? 'on' : 'off'} | ${yes(x.typeCheck)} | ${yes(x.asDefault)} | ${secs(x.median)} | ${list(x.samples, secs)} |`,
    ),
    '',
    `- **Validation on for both: ${q.validationOn.toFixed(2)}×.** The goal (≤ 0.2× the baseline) is judged on this ratio, equal settings at`,
    `  CDK's default: ${q.validationOn <= 0.2 ? 'met' : '**missed**'}.`,
    `- Validation off for both: ${q.validationOff.toFixed(2)}×.`,
    `- Each as it runs by default (sample app without validation, baseline with it): ${q.asDefault.toFixed(2)}×. This is the ratio`,
    '  earlier versions of this page reported; it compares unequal settings.',
    `- Validation on and neither type-checked: ${q.noTypeCheck.toFixed(2)}×. ts-node's type-check adds ${secs(q.typeCheckMs)} to the`,
    "  baseline's synth (validation on); the sample app's type-check runs in `npm run typecheck`, not at synth.",
  ];
}

export function testSection(r: BenchResults): string[] {
  const head = ['## 2. Test time', ''];
  if (!r.tests) return [...head, ...notMeasured(r, '2')];
  return [
    ...head,
    'The whole unit suite (jest with @swc/jest, every test file except `*.e2e.test.ts`, `test/consumer/`, the cfn-lint run over every template and the figures stamp check) against the',
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
  const nsp = variant(r, 'naiveStateProjector');
  return [
    ...head,
    `The bundled handlers (\`assets/*/index.js\`) and the baseline's, bundled the way \`NodejsFunction\` bundles them, each in a process`,
    'of its own, against dynalite in a worker thread behind a proxy that counts every request by `X-Amz-Target` and the write',
    `request units of every item written. The stream is the local run's scenario, ${r.plan.events.toLocaleString('en-US')} events over`,
    `${r.plan.subjects} subjects (out-of-order events and string sequences included; no duplicates, which the SNS FIFO topic`,
    'removes, and no malformed events). Batches reach the handler one at a time, as in one warm Lambda execution environment:',
    '100 records for the event log (its default batch size; a full batch at load), 10 for the state projector, 10 for the baseline',
    "(CDK's default) and 1 for the naive baseline.",
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
    `  baseline's ${f3(bel.writeRequestsPerEvent)}. Write *units*, what on-demand DynamoDB bills, stay at one per item of up to 1 KB`,
    `  (${f3(el.writeUnitsPerEvent)} against ${f3(bel.writeUnitsPerEvent)}): batching saves requests and time, not units.`,
    '- The state projector writes only the newest event of each subject in a batch. In publish order that saves little',
    `  (${f3(sp.writeRequestsPerEvent)} writes, ${f3(sp.writeUnitsPerEvent)} units per event); with backlogged groups it writes`,
    `  ${f3(spg.writeRequestsPerEvent)} (${f3(spg.writeUnitsPerEvent)} units) per event. The baseline pays a unit for every event,`,
    '  refused conditional puts included: DynamoDB bills a write whose condition fails. Section 5 measures the same under slow',
    '  arrival and under a backlog in the local run, where the batches are cut by the queue, not by the bench.',
    "  After every run the bench scans the state table and compares each subject's item with the in-order fold of the stream",
    `  (its event with the highest sequence): ${sp.verified && spg.verified && bsp.verified && nsp.verified ? 'equal in every variant' : '**not equal**'}. The unit tests`,
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
  const runs = r.e2eRuns;
  if (runs.length === 0) return [...head, ...notMeasured(r, '5'), 'The cost model took one state write per event for slow arrival.'];
  const last = runs[runs.length - 1];
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const row = (label: string, xs: number[], fmt: (x: number) => string) => {
    const s = spread(xs);
    return `| ${label} | ${fmt(s.min)} | ${fmt(s.median)} | ${fmt(s.max)} | ${list(xs, fmt)} |`;
  };
  const units = (e: EndToEndFigures, fifo: boolean) => writeUnitsPerEvent(e, fifo) ?? NaN;
  const actions = (e: EndToEndFigures, action: string) => (e.dynamodbRequests[action] ?? 0) / e.events;
  const slow = r.slowArrival;
  return [
    ...head,
    `The sample app's synthesized template on fauxqs and dynalite (\`local/\`, time scale ${last.timeScale}), ${last.events.toLocaleString('en-US')} events`,
    `over ${r.plan.subjects} subjects plus the scenario's duplicates (${last.publishes.toLocaleString('en-US')} publishes, ${last.publishCalls} PublishBatch calls),`,
    `everything published at once (**backlog**), ${runs.length} run(s) with the request counter of section 3 in front of dynalite, each`,
    'followed by a run without it (throughput, below), taking turns. Conditions: the machine of the header, shared with other',
    'work, the sample app\'s default settings (`bench/local-bench.ts` default concurrency), a fresh pipeline and fresh tables each run.',
    `The publisher does not wait for the pipeline (${n(last.publishPerSecond)} messages/s in the last run), so a backlog builds up and`,
    'the latency is mostly time spent waiting in the queues; it grows with the number of events. Everything runs on the same two',
    "cores and the batching windows are scaled by the time scale: this measures the pipeline's own overhead, not AWS latency,",
    'which is **modelled** (section 6) and not measured here.',
    '',
    '| backlog, with request counter | min | median | max | runs |',
    '| --- | ---: | ---: | ---: | --- |',
    row('events/s', runs.map((e) => e.eventsPerSecond), n),
    row('latency p50, ms', runs.map((e) => e.p50Ms ?? NaN), n),
    row('latency p99, ms', runs.map((e) => e.p99Ms ?? NaN), n),
    row('event log: BatchWriteItem / event', runs.map((e) => actions(e, 'BatchWriteItem')), f3),
    row("event log: write units / event (events table, the scenario's duplicates included; its index adds as many)", runs.map((e) => units(e, false)), f3),
    row('state projector: PutItem / event', runs.map((e) => actions(e, 'PutItem')), f3),
    row('state projector: write units / event', runs.map((e) => units(e, true)), f3),
    '',
    `Queues drained: ${runs.every((e) => e.drained) ? 'every run' : '**not in every run**'}. The pollers of the last run:`,
    '',
    '| queue | messages | invocations | mean batch | receives (+ empty) | DeleteMessageBatch (estimated) | mean handler time |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...last.queues.map(
      (q) =>
        `| ${q.fifo ? 'FIFO' : 'standard'} (${q.function}) | ${q.messages} | ${q.invocations} | ${q.meanBatchSize.toFixed(1)} | ${q.receives} (+ ${q.emptyReceives}) | ${q.deleteCalls} | ${ms(q.meanHandlerMs)} |`,
    ),
    '',
    'DeleteMessageBatch calls are estimated from batches and deleted messages (up to 10 per call); the local poller does not count them.',
    'FIFO receives hand out runs of one message group, as on SQS (docs/local-run.md, "FIFO receives"), so under a backlog the state',
    'projector writes about once per subject per batch.',
    '',
    ...(slow
      ? [
          `**Slow arrival.** ${slow.events.toLocaleString('en-US')} events over ${r.plan.subjects} subjects published one event per subject at a time, the queues`,
          'drained after each round, so that no FIFO batch holds two events of a subject (one run: the counts, not the timing, are the',
          `figure): the state projector made ${f3(actions(slow, 'PutItem'))} PutItem and ${f3(units(slow, true))} write units per event`,
          `(${slow.queues.find((q) => q.fifo)?.meanBatchSize.toFixed(1)} records per batch); the event log ${f3(units(slow, false))} units per event.`,
          `Queues ${slow.drained ? 'drained' : '**not drained**'}.`,
        ]
      : notMeasured(r, '5')),
    ...throughputLines(r),
  ];
}

/** The runs without the request counter: the throughput figure, its goal, and where the CPU went. */
function throughputLines(r: BenchResults): string[] {
  const runs = r.throughputRuns;
  if (runs.length === 0) return ['', ...notMeasured(r, '5'), ''];
  const eps = spread(runs.map((t) => t.eventsPerSecond));
  const goal = runs[0].events >= 10_000 ? ` (goal ≥ ${THROUGHPUT_GOAL.toLocaleString('en-US')} for the median: ${eps.median >= THROUGHPUT_GOAL ? 'met' : '**missed**'})` : '';
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const t = runs[runs.length - 1];
  return [
    '',
    `**Throughput.** The same scenario without the request counter in front of dynalite (\`bench/local-bench.ts\`, default concurrency), ${runs.length} run(s):`,
    `**${n(eps.median)} events/s** median end to end${goal}, min ${n(eps.min)}, max ${n(eps.max)} (${list(runs.map((x) => x.eventsPerSecond), n)});`,
    `p50 ${list(runs.map((x) => x.latencyMs.p50 ?? NaN), n)} ms, p99 ${list(runs.map((x) => x.latencyMs.p99 ?? NaN), n)} ms; CPU per event`,
    `${list(runs.map(cpuMsPerEvent), (x) => `${x.toFixed(2)} ms`)}; load average at the start ${list(runs.map((x) => x.loadAverage), (x) => x.toFixed(2))}.`,
    `In the last run the process used ${t.cpuCores.toFixed(2)} cores. ${t.measure} per thread, as a share of one core:`,
    '',
    '| thread | share |',
    '| --- | ---: |',
    ...Object.entries(t.busy).map(([thread, share]) => `| ${thread} | ${(share * 100).toFixed(0)}% |`),
    '',
  ];
}

function useTable(uses: readonly PipelineUse[], costs: readonly CostPerMillion[]): string[] {
  const api = uses.some((u) => (u.apiRequestsPerEvent ?? 0) > 0);
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
    ...(api ? [`| API Gateway REST requests | ${cell((u) => f3(u.apiRequestsPerEvent ?? 0))} |`] : []),
    `| **USD per million events: SNS** | ${costs.map((c) => usd(c.sns)).join(' | ')} |`,
    `| SQS | ${costs.map((c) => usd(c.sqs)).join(' | ')} |`,
    `| Lambda | ${costs.map((c) => usd(c.lambda)).join(' | ')} |`,
    `| DynamoDB | ${costs.map((c) => usd(c.dynamodb)).join(' | ')} |`,
    ...(api ? [`| API Gateway | ${costs.map((c) => usd(c.api)).join(' | ')} |`] : []),
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

/** The defaults published over HTTPS through the Events API, against the same defaults published with the SDK. */
function apiCostLines(c: CostLines): string[] {
  const { traffic, defaults, api } = c;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  return [
    '**Publishing over HTTPS: the Events API.** Producers that hold no AWS credentials publish through the REST API',
    '(`EventsApi`, section 7), one event per request (the API calls SNS `Publish`) or a batch of up to 10 (`PublishBatch`). The',
    'lines below are the defaults above with only the publishing changed: the same traffic, the same queues, functions and',
    'writes, plus one REST request per event (single) or per 10 events (batch), and the SNS publish requests they make. They are',
    'another product, publishing over HTTPS, so they are compared with each other and with the same pipeline published with the',
    'SDK (PublishBatch, 10 per call), not with the floor, which is the floor of SDK publishing and is computed without them.',
    '',
    ...useTable(
      [defaults[0].use, api.batch[0].use, api.single[0].use],
      [defaults[0].cost, api.batch[0].cost, api.single[0].cost],
    ),
    '',
    '| traffic | defaults, SDK PublishBatch | defaults + API (batch) | ÷ SDK | defaults + API (single) | ÷ SDK | single ÷ batch |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...traffic.map((t, i) => {
      const [sdk, batch, single] = [defaults[i].cost.total, api.batch[i].cost.total, api.single[i].cost.total];
      return `| ${t.label} | ${usd(sdk)} | ${usd(batch)} | ${ratio(batch, sdk)} | ${usd(single)} | ${ratio(single, sdk)} | ${ratio(single, batch)} |`;
    }),
    '',
    `The REST requests cost ${usd(api.single[0].cost.api)} per million events one at a time and ${usd(api.batch[0].cost.api)} in batches of 10,`,
    `on top of ${usd(api.single[0].cost.sns - defaults[0].cost.sns)} more SNS publish requests for single events. Not in these lines: API Gateway's data`,
    'transfer out (the 202 receipts), its access logs in CloudWatch Logs, a WAF web ACL if one is attached, and its free tier.',
  ];
}

export function costSection(r: BenchResults): string[] {
  const head = ['## 6. Cost per million events', ''];
  if (!r.cost) return [...head, ...notMeasured(r, '6')];
  const { traffic, defaults, baseline, naive, floor } = r.cost;
  const shown = [defaults[0], defaults[defaults.length - 1], baseline, naive, floor];
  const all = [...defaults, baseline, naive];
  const f = floor.cost.total;
  const below = all.filter((l) => l.cost.total < f - 1e-12).map((l) => l.use.name);
  const over = defaults.filter((d) => d.cost.total > 1.2 * f);
  return [
    ...head,
    'A model in code (`bench/cost-model.ts`, inputs in `bench/cost-lines.ts`, unit-tested in `test/bench/cost-model.test.ts`) fed with',
    'the counts measured above: SNS publish requests (FIFO price, 64 KB chunks) and payload, SNS deliveries and their payload,',
    "SQS requests in 64 KB chunks with the FIFO price on the FIFO queue, counting SNS's send and the Lambda poller's receives and",
    'deletes, Lambda invocations and GB-seconds at the measured mean invocation time (rounded up to the ms) and memory, and DynamoDB',
    "write request units, which on-demand tables bill (the `bySubject` index doubles the events table's). It is **modelled**: the",
    'durations are local ones, against an emulator.',
    '',
    '**The same traffic for every line**: events of the size below, published with PublishBatch (10 per call; the naive line',
    'publishes one per call, which is what makes it naive), full batches at steady load (one receive and one delete per 10',
    'messages, or per message at batch size 1), invocations and durations from the handler runs (3), and the same state-write',
    'rate. Only this pipeline writes the state less than once per event, so its line moves with the state-write rate and the',
    "others do not. Section 5 shows the local run's own receives and deletes (its pollers' counts)." + (r.cost.modelledInputs.length ? ` Modelled in this run: ${r.cost.modelledInputs.join('; ')}.` : ''),
    '',
    "- **this pipeline**: its defaults (event log batch 100, state projector batch 10, 256 MB arm64).",
    "- **baseline**: CDK's defaults (batch 10), PutItem per record, the baseline handlers' measured durations at 128 MB x86_64.",
    '- **naive baseline**: batch 1 and one Publish per event, for reference.',
    "- **floor**: each term at the least the design cannot avoid, one publish entry in a batch of 10, 2 deliveries, per queue SNS's",
    '  send and one receive and delete per 10 messages, Lambda at the largest batches (10,000 standard, 10 FIFO) and the least billed',
    '  duration and memory (1 ms, 128 MB, arm64), one write of each event item and its index entry, and the state written at the',
    '  best compaction this run measured; then, term by term and service by service, no more than any line',
    `  (\`costFloor\`). So no line is below the floor by construction (\`test/bench/cost-model.test.ts\` and \`cost-lines.test.ts\` check it): ${below.length === 0 ? 'none is' : `**${below.join(', ')} below it**`}.`,
    '',
    ...useTable(
      shown.map((l) => l.use),
      shown.map((l) => l.cost),
    ),
    '',
    '**How the result moves with the state-write rate**, from slow arrival (no two events of a subject in one FIFO batch: the',
    'projector writes every event) to a backlog (batches of one subject: one write per batch). The floor stays where it is.',
    '',
    '| traffic | state write units / event | from | this pipeline | ÷ floor | ÷ baseline | goal ≤ 1.2× floor |',
    '| --- | ---: | --- | ---: | ---: | ---: | --- |',
    ...traffic.map((t, i) => {
      const d = defaults[i].cost.total;
      return `| ${t.label} | ${f3(t.stateWriteUnitsPerEvent)} | ${t.source} | ${usd(d)} | ${(d / f).toFixed(2)}× | ${(d / baseline.cost.total).toFixed(2)}× | ${d <= 1.2 * f ? 'met' : '**missed**'} |`;
    }),
    '',
    `Floor: **${usd(f)}**; baseline ${usd(baseline.cost.total)} (${(baseline.cost.total / f).toFixed(2)}× the floor), naive baseline ${usd(naive.cost.total)}.`,
    over.length === 0
      ? 'This pipeline stays within 1.2× the floor at every state-write rate measured.'
      : `**This pipeline is above 1.2× the floor at ${over.map((d) => d.use.name.replace(/^this pipeline, /, '')).join('; ')}**: the floor counts the best state` +
        ' compaction measured, and under slow arrival there is nothing to compact; the difference is DynamoDB write units.',
    `Event size: ${Math.round(r.eventBytes)} bytes (body and \`type\` attribute).`,
    '',
    ...apiCostLines(r.cost),
    '',
    ...priceTable(),
    '',
    'Not in the model: the customer-managed KMS key ($1 a month, and KMS requests that SQS and SNS make once per data key reuse',
    "period, not per event), CloudWatch Logs ingestion (per invocation: Lambda's START/END/REPORT lines and one Powertools",
    "`Batch processed` line, so the naive baseline's one invocation per record costs more here too), X-Ray traces (sampled), the free",
    "tiers, and the Lambda pollers' empty long polls on idle queues, a fixed cost of a few hundred thousand requests a month per",
    'queue that does not grow with events.',
  ];
}

export function apiPublishSection(r: BenchResults): string[] {
  const head = ['## 7. Publishing through the Events API (local run)', ''];
  const a = r.apiPublish;
  if (!a) return [...head, ...notMeasured(r, '7')];
  const v = (id: PublishVariantFigures['id']) => a.variants.find((x) => x.id === id)!;
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const cell = (w: PublishVariantFigures, pick: Parameters<typeof blockSpread>[1], fmt: (x: number) => string) => {
    const s = blockSpread(w, pick);
    return `${fmt(s.median)} (${fmt(s.min)} – ${fmt(s.max)})`;
  };
  const m1 = (x: number) => x.toFixed(1);
  const ratio = (api: PublishVariantFigures, sdk: PublishVariantFigures, pick: Parameters<typeof blockSpread>[1]) =>
    `${(blockSpread(api, pick).median / blockSpread(sdk, pick).median).toFixed(2)}×`;
  const failed = a.variants.reduce((k, w) => k + w.blocks.reduce((j, b) => j + b.failed, 0), 0);
  const eps = (b: { eventsPerSecond: number }) => b.eventsPerSecond;
  const rps = (b: { requestsPerSecond: number }) => b.requestsPerSecond;
  return [
    ...head,
    "The sample app's REST API (`EventsApi`, `pipeline.apis[0]` of the local run: its synthesized template, mapping templates and",
    'request model, served by `packages/tools/src/local/apigateway/` on the commit of the header), `POST /events` with the `vendor-acme` API key in',
    '`x-api-key`, one event per request (`application/cloudevents+json`, SNS `Publish` behind it) and batches of 10',
    '(`application/cloudevents-batch+json`, `PublishBatch`), against the SDK publishing the same events to the topic: `PublishBatch`',
    '(10 per call) and `Publish` (one per call), with the local run\'s SNS client.',
    `Conditions: one pipeline (time scale ${a.timeScale}), ${a.events.toLocaleString('en-US')} events over ${a.subjects} subjects per block (each variant its own copy: the`,
    `same bodies, ids of the same length), ${a.concurrency} clients per block each sending its next request when its last is answered (keep-alive`,
    'connections), the queues drained after each block so that no block\'s events are processed during another\'s, and',
    `${a.rounds} rounds, each variant once per round, the order rotated each round (${a.orders.map((o) => o.join(' → ')).join('; ')}),`,
    `after a warm-up round that is not counted; load average ${a.loadAverage.start.toFixed(2)} at the start, ${a.loadAverage.end.toFixed(2)} at the end,`,
    'on the machine of the header, shared with the emulators, the functions and other work. Latency is at the client, from sending a',
    'request to reading its whole answer. Medians over the rounds, with min and max.',
    `The sample partner's usage plan allows ${a.limits.plan} and the stage ${a.limits.stage}, on AWS as in the local run; the bench raises`,
    'those limits in its copy of the template, so that this measures the path through the API, not the throttle.',
    '',
    '| publishing | events / request | requests/s | events/s | p50, ms | p99, ms | failed requests | requests/s by round |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...a.variants.map(
      (w) =>
        `| ${w.label} | ${w.eventsPerRequest} | ${cell(w, rps, n)} | ${cell(w, eps, n)} | ${cell(w, (b) => b.p50Ms, m1)} | ${cell(w, (b) => b.p99Ms, m1)} | ` +
        `${w.blocks.reduce((k, b) => k + b.failed, 0)} | ${w.blocks.map((b) => n(b.requestsPerSecond)).join(', ')} |`,
    ),
    '',
    `- Batches of 10: the API made ${ratio(v('api-batch'), v('sdk-batch'), rps)} the requests/s of SDK \`PublishBatch\`, with p99 ${ratio(v('api-batch'), v('sdk-batch'), (b) => b.p99Ms)} its p99.`,
    `- One event per request: the API made ${ratio(v('api-single'), v('sdk-single'), rps)} the requests/s of SDK \`Publish\`, with p99 ${ratio(v('api-single'), v('sdk-single'), (b) => b.p99Ms)} its p99;`,
    `  batches of 10 through the API carried ${ratio(v('api-batch'), v('api-single'), eps)} the events/s of single events.`,
    `- Answers: ${failed === 0 ? 'every request was answered 202 (the API) or with no failed entry (the SDK)' : `**${failed} requests failed**`}; queues drained after every block:`,
    `  ${a.drained ? 'yes' : '**no**'}; the events table holds ${a.stored.toLocaleString('en-US')} of the ${a.published.toLocaleString('en-US')} distinct events the blocks published.`,
    '- What this is not: the local API is one Node.js process on the same two cores as the emulators and the functions, so these',
    '  figures compare the local path (routing, API key, request model, mapping template, the SNS query API, the response template)',
    '  with the SDK\'s call, on equal terms. One difference in the work done: the local API sends its integration requests to fauxqs',
    '  unsigned (the emulators check no signatures), where the SDK signs each call with SigV4 (API Gateway signs with its role on',
    '  AWS). On AWS, API Gateway adds its own latency and a partner gets what its usage plan allows',
    `  (the sample partner's key: ${a.limits.plan}, so at most that many events/s one at a time and ten times as many in batches of 10).`,
    '  Section 6 gives what publishing through the API costs.',
  ];
}
