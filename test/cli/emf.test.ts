import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMetrics, publishCounts } from '../../lambda/shared/metrics';
import { HandlerMetric } from '../../lib/handler-metric';
import { EmfMetrics, HANDLER_METRICS, eventsHandled, parseEmfLine, readLogMetrics } from '../../packages/tools/src/cli/emf';

const T0 = Date.UTC(2025, 2, 1, 12, 0, 0);

/** An EMF document as the default handlers print it, at `timestamp`, with `values` at the root. */
function doc(values: Record<string, unknown>, timestamp = T0, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        { Namespace: 'EventPipeline', Dimensions: [['Pipeline', 'Consumer']], Metrics: Object.keys(values).map((Name) => ({ Name, Unit: 'Count' })) },
      ],
    },
    Pipeline: 'Shop/Orders',
    Consumer: 'EventLog',
    ...extra,
    ...values,
  });
}

describe('parseEmfLine', () => {
  test('reads what Powertools Metrics prints for a default handler', () => {
    // GIVEN the line a handler's metrics print for one invocation
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    try {
      publishCounts(createMetrics({ PIPELINE_NAME: 'Shop/Orders', CONSUMER_NAME: 'EventLog' }, 'event-log'), { EventsStored: 38, DuplicatesSkipped: 2 });
    } finally {
      spy.mockRestore();
    }
    const line = written.join('').trim();

    // WHEN
    const parsed = parseEmfLine(line);

    // THEN one datapoint per metric, with the consumer's dimensions
    expect(parsed.kind).toBe('emf');
    const points = parsed.kind === 'emf' ? parsed.datapoints : [];
    expect(points.map((p) => [p.namespace, p.dimensions, p.name, p.unit, p.values])).toEqual([
      ['EventPipeline', { Pipeline: 'Shop/Orders', Consumer: 'EventLog' }, 'EventsStored', 'Count', [38]],
      ['EventPipeline', { Pipeline: 'Shop/Orders', Consumer: 'EventLog' }, 'DuplicatesSkipped', 'Count', [2]],
    ]);
    expect(points[0].storageResolution).toBe(60);
    expect(Math.abs(points[0].timestamp - Date.now())).toBeLessThan(60_000);
  });

  test('an array of values is one sample each; every dimension set gets the metric; no set means no dimensions', () => {
    const line = JSON.stringify({
      _aws: {
        Timestamp: T0,
        CloudWatchMetrics: [
          { Namespace: 'A', Dimensions: [['Pipeline', 'Consumer'], ['Pipeline']], Metrics: [{ Name: 'Latency', Unit: 'Milliseconds', StorageResolution: 1 }] },
          { Namespace: 'B', Dimensions: [], Metrics: [{ Name: 'Hits' }] },
        ],
      },
      Pipeline: 'P',
      Consumer: 'C',
      Latency: [3, 5, 8],
      Hits: 1,
      note: 'members no metric names are ignored',
    });
    const parsed = parseEmfLine(line);
    expect(parsed).toEqual({
      kind: 'emf',
      datapoints: [
        { namespace: 'A', dimensions: { Pipeline: 'P', Consumer: 'C' }, name: 'Latency', unit: 'Milliseconds', storageResolution: 1, values: [3, 5, 8], timestamp: T0 },
        { namespace: 'A', dimensions: { Pipeline: 'P' }, name: 'Latency', unit: 'Milliseconds', storageResolution: 1, values: [3, 5, 8], timestamp: T0 },
        { namespace: 'B', dimensions: {}, name: 'Hits', unit: 'None', storageResolution: 60, values: [1], timestamp: T0 },
      ],
    });
  });

  test.each([
    ['plain text', 'START RequestId: 1 Version: $LATEST'],
    ['a JSON log record', '{"level":"INFO","message":"Batch processed"}'],
    ['a log record with "_aws" as a value', '{"level":"INFO","member":"_aws"}'],
    ['an error line quoting a document', 'ERROR could not parse {"_aws":'],
  ])('%s is not a metric document', (_name, line) => {
    expect(parseEmfLine(line)).toEqual({ kind: 'other' });
  });

  test.each([
    ['truncated JSON', doc({ EventsStored: 1 }).slice(0, 80), /not valid JSON/],
    ['no Timestamp', JSON.stringify({ _aws: { CloudWatchMetrics: [] } }), /_aws.Timestamp must be milliseconds/],
    ['no CloudWatchMetrics', JSON.stringify({ _aws: { Timestamp: T0 } }), /_aws.CloudWatchMetrics must be an array/],
    ['no Namespace', JSON.stringify({ _aws: { Timestamp: T0, CloudWatchMetrics: [{ Dimensions: [], Metrics: [] }] } }), /\.Namespace must be a string/],
    ['a value that is not a number', doc({ EventsStored: '12' }), /metric EventsStored must have a number.* \(got "12"\)/],
    ['a metric with no value', doc({ EventsStored: undefined }), /metric EventsStored must have a number.*\(got nothing\)/],
    ['more than 100 values', doc({ EventsStored: Array.from({ length: 101 }, () => 1) }), /array of 1 to 100 numbers/],
    ['a dimension with no value', doc({ EventsStored: 1 }, T0, { Consumer: 7 }), /dimension Consumer must have a string value/],
    ['an unknown unit', doc({ EventsStored: 1 }).replace('"Unit":"Count"', '"Unit":"Things"'), /Unit "Things" is not a CloudWatch unit/],
    ['a StorageResolution of 5', doc({ EventsStored: 1 }).replace('"Unit":"Count"', '"Unit":"Count","StorageResolution":5'), /StorageResolution must be 1 or 60/],
  ])('%s is a malformed metric document', (_name, line, reason) => {
    const parsed = parseEmfLine(line);
    expect(parsed.kind).toBe('malformed');
    expect(parsed.kind === 'malformed' && parsed.reason).toMatch(reason);
  });
});

describe('EmfMetrics', () => {
  test('sums per consumer and per second; a malformed document is listed with its line and counts nothing', () => {
    // GIVEN two consumers' documents over two seconds, a log line and a malformed document
    const metrics = new EmfMetrics();
    metrics.add(doc({ EventsStored: 10, DuplicatesSkipped: 1 }, T0 + 100), 'EventLogFn', 1);
    metrics.add('{"level":"INFO","message":"Batch processed"}', 'EventLogFn', 2);
    metrics.add(doc({ EventsStored: 5, DuplicatesSkipped: [1, 1] }, T0 + 900), 'EventLogFn', 3);
    metrics.add(doc({ EventsStored: 7 }, T0 + 1_000), 'EventLogFn', 4);
    metrics.add(doc({ EventsStored: 'x' }, T0 + 1_000), 'EventLogFn', 5);
    metrics.add(doc({ EventsStored: 2, EventsSuperseded: 8 }, T0 + 1_500, { Consumer: 'StateProjector' }), 'StateFn', 1);

    // WHEN
    const [eventLog, state] = metrics.consumers();

    // THEN
    expect({ documents: metrics.documents, malformed: metrics.malformed }).toEqual({ documents: 4, malformed: 1 });
    expect(metrics.problems).toEqual([{ source: 'EventLogFn', line: 5, reason: expect.stringMatching(/metric EventsStored must have a number/) }]);
    expect(eventLog).toEqual({
      namespace: 'EventPipeline',
      pipeline: 'Shop/Orders',
      consumer: 'EventLog',
      sources: ['EventLogFn'],
      documents: 3,
      totals: { EventsStored: 22, DuplicatesSkipped: 3 },
      seconds: [
        { second: T0 / 1000, sums: { EventsStored: 15, DuplicatesSkipped: 3 } },
        { second: T0 / 1000 + 1, sums: { EventsStored: 7 } },
      ],
      lastTimestamp: T0 + 1_000,
    });
    expect({ consumer: state.consumer, totals: state.totals, sources: state.sources }).toEqual({
      consumer: 'StateProjector',
      totals: { EventsStored: 2, EventsSuperseded: 8 },
      sources: ['StateFn'],
    });
    expect(eventsHandled(state.totals)).toBe(10);
  });

  test('a metric of another dimension set is not a consumer’s', () => {
    const metrics = new EmfMetrics();
    const line = JSON.stringify({
      _aws: { Timestamp: T0, CloudWatchMetrics: [{ Namespace: 'Shop', Dimensions: [['service']], Metrics: [{ Name: 'Orders', Unit: 'Count' }] }] },
      service: 'checkout',
      Orders: [2, 3],
    });
    metrics.add(line, 'Fn', 1);
    expect(metrics.consumers()).toEqual([]);
    expect(metrics.others()).toEqual([{ namespace: 'Shop', dimensions: { service: 'checkout' }, name: 'Orders', unit: 'Count', sum: 5, samples: 2 }]);
  });

  test('readLogMetrics reads every log file of the folder, and leaves a last line still being written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emf-'));
    try {
      writeFileSync(join(dir, 'EventLogFn.log'), `${doc({ EventsStored: 4 })}\nSTART\n${doc({ EventsStored: 6 })}\n${doc({ EventsStored: 9 }).slice(0, 40)}`);
      writeFileSync(join(dir, 'notes.txt'), doc({ EventsStored: 100 }));
      const metrics = readLogMetrics(dir);
      expect(metrics.consumers().map((c) => [c.consumer, c.totals, c.sources])).toEqual([['EventLog', { EventsStored: 10 }, ['EventLogFn']]]);
      expect(metrics.malformed).toBe(0);
      expect(readLogMetrics(join(dir, 'missing')).documents).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the tools name the metrics that the constructs name', () => {
    expect([...HANDLER_METRICS].sort()).toEqual(Object.values(HandlerMetric).sort());
  });
});
