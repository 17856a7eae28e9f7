import { EmfMetrics } from '../../packages/tools/src/cli/emf';
import { niceStep, renderChart, sparkline } from '../../packages/tools/src/local/metrics-chart';
import { summarizeMetrics } from '../../packages/tools/src/local/summary-metrics';

const T0 = Date.UTC(2025, 2, 1, 12, 0, 0);

function emf(consumer: string, at: number, values: Record<string, number>): string {
  return JSON.stringify({
    _aws: { Timestamp: at, CloudWatchMetrics: [{ Namespace: 'EventPipeline', Dimensions: [['Pipeline', 'Consumer']], Metrics: Object.keys(values).map((Name) => ({ Name, Unit: 'Count' })) }] },
    Pipeline: 'Shop/Orders',
    Consumer: consumer,
    ...values,
  });
}

/** The attributes of every element `<tag ...>` in the SVG, in order. */
function elements(svg: string, tag: string): Record<string, string>[] {
  return [...svg.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'g'))].map((m) => Object.fromEntries([...m[1].matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])));
}

describe('the chart of events handled per second', () => {
  // GIVEN two consumers' metric documents over 4 seconds of a run, one with a name to escape
  const metrics = new EmfMetrics();
  const lines: [string, number, Record<string, number>][] = [
    ['EventLog', T0 + 200, { EventsStored: 40, DuplicatesSkipped: 2, EventsDeadLettered: 1, RecordsFailed: 3 }],
    ['EventLog', T0 + 900, { EventsStored: 30, DuplicatesSkipped: 0, EventsDeadLettered: 0 }],
    ['EventLog', T0 + 2_100, { EventsStored: 55, DuplicatesSkipped: 1, EventsDeadLettered: 0 }],
    ['State<&>', T0 + 1_300, { EventsStored: 4, EventsSuperseded: 36, EventsDeadLettered: 0 }],
    ['State<&>', T0 + 3_999, { EventsStored: 9, EventsSuperseded: 51, DuplicatesSkipped: 2 }],
  ];
  lines.forEach(([consumer, at, values], i) => metrics.add(emf(consumer, at, values), 'Fn', i + 1));
  const summary = summarizeMetrics(metrics, { startedAt: T0 + 50, endedAt: T0 + 3_500, functionNames: new Map(), source: 'test' });
  const svg = renderChart(summary);

  test('the aggregated seconds are the ones of the run, with the events handled in each (RecordsFailed left out)', () => {
    expect(summary.seconds).toBe(4);
    expect(summary.consumers.map((c) => [c.consumer, c.eventsPerSecond])).toEqual([
      ['EventLog', [73, 0, 56, 0]],
      ['State<&>', [0, 40, 0, 62]],
    ]);
  });

  test('is one SVG with one series per consumer, whose values are its counts per second', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<g\b/g)?.length).toBe(svg.match(/<\/g>/g)?.length);
    expect(elements(svg, 'g').filter((g) => g.class === 'series').map((g) => g['data-consumer'])).toEqual(['EventLog', 'State&lt;&amp;&gt;']);
    const polylines = elements(svg, 'polyline');
    expect(polylines.map((p) => p['data-values'])).toEqual(summary.consumers.map((c) => c.eventsPerSecond.join(',')));
    expect(svg).not.toMatch(/<(?!\/|svg|title|rect|text|g|line|polyline|circle)/);
  });

  test('each point sits where its value is on the y axis, one per second along x', () => {
    // The axis scale, from the tick labels: the line of 0 and the line of the top value.
    const plot = elements(svg, 'g').find((g) => g.class === 'plot')!;
    const yMax = Number(plot['data-y-max']);
    expect(yMax).toBeGreaterThanOrEqual(73);
    const ticks = [...svg.matchAll(/<text class="y-tick" x="[\d.]+" y="([\d.]+)"[^>]*>(\d+)<\/text>/g)].map((m) => ({ y: Number(m[1]) - 4, v: Number(m[2]) }));
    const y0 = ticks.find((t) => t.v === 0)!.y;
    const yTop = ticks.find((t) => t.v === yMax)!.y;
    // SVG's y grows downwards: more events, higher up.
    expect(yTop).toBeLessThan(y0);
    for (const [i, line] of elements(svg, 'polyline').entries()) {
      const points = line.points.split(' ').map((p) => p.split(',').map(Number));
      const values = summary.consumers[i].eventsPerSecond;
      expect(points).toHaveLength(values.length);
      points.forEach(([, y], s) => expect(y).toBeCloseTo(y0 - ((y0 - yTop) * values[s]) / yMax, 0));
      expect(points.map(([x]) => x)).toEqual([...points.map(([x]) => x)].sort((a, b) => a - b));
    }
    expect([...svg.matchAll(/<text class="x-tick"[^>]*>(\d+)<\/text>/g)].map((m) => Number(m[1]))).toEqual([0, 1, 2, 3]);
  });

  test('has its axis labels, a legend with the totals, and stays small', () => {
    expect(svg).toMatch(/<text class="axis-label x-label"[^>]*>second of the run[^<]*<\/text>/);
    expect(svg).toMatch(/<text class="axis-label y-label"[^>]*>events\/s<\/text>/);
    expect(svg).toContain('>EventLog (129 events)</text>');
    expect(svg).toContain('>State&lt;&amp;&gt; (102 events)</text>');
    expect(svg.length).toBeLessThan(10_000);
  });

  test('a run without metrics gets an empty chart that says so', () => {
    const empty = renderChart(summarizeMetrics(new EmfMetrics(), { startedAt: T0, endedAt: T0 + 1_000, functionNames: new Map(), source: 'test' }));
    expect(empty).toContain("no handler metrics in the functions' logs");
    expect(elements(empty, 'polyline')).toEqual([]);
  });
});

describe('sparkline and niceStep', () => {
  test('a sparkline tells an idle second from a busy one, on the scale given, and averages over its width', () => {
    expect(sparkline([0, 1, 50, 100])).toBe('▁▂▅█');
    expect(sparkline([0, 50], 100)).toBe('▁▅');
    expect(sparkline([100, 100, 0, 0], 100, 2)).toBe('█▁');
  });

  test('steps are 1, 2 or 5 times a power of ten', () => {
    expect([7, 73, 510, 0].map((v) => niceStep(v))).toEqual([2, 20, 200, 1]);
  });
});
