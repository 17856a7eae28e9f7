/**
 * Pictures of the handler metrics: an SVG line chart of the events each consumer handled per second
 * of the run (`--chart FILE`), and a one-line sparkline per consumer for the terminal. Plain SVG,
 * written by hand: no chart library.
 */
import type { HandlerMetricsSummary } from './summary-metrics';

const BARS = '▁▂▃▄▅▆▇█';

/**
 * One character per value, scaled to `max`: `▁` for 0, `▂` to `█` for the rest, so that a second
 * with a few events is told apart from an idle one. Over `width` values, each character is the
 * mean of a run of seconds.
 */
export function sparkline(values: readonly number[], max = Math.max(0, ...values), width = 60): string {
  const per = Math.max(1, Math.ceil(values.length / width));
  const cells: number[] = [];
  for (let i = 0; i < values.length; i += per) {
    const run = values.slice(i, i + per);
    cells.push(run.reduce((a, b) => a + b, 0) / run.length);
  }
  return cells.map((v) => (v <= 0 || max <= 0 ? BARS[0] : BARS[1 + Math.min(6, Math.round((v / max) * 6))])).join('');
}

/** Colour-blind-safe (Okabe-Ito), on white. */
const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#000000'];
const WIDTH = 720;
const HEIGHT = 360;
const PLOT = { left: 64, right: 24, top: 64, bottom: 56 };

/** 1, 2 or 5 times a power of ten, so that [0, max] takes about `ticks` steps. */
export function niceStep(max: number, ticks = 5): number {
  if (max <= 0) return 1;
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
}

/**
 * An SVG chart of `eventsPerSecond` for every consumer: x is the second of the run, y the events
 * handled in it. Each consumer is one `<g class="series" data-consumer=...>` with a polyline whose
 * `data-values` are its counts; the plot carries its scale (`data-y-max`, `data-seconds`).
 */
export function renderChart(metrics: HandlerMetricsSummary, title = 'Events handled per second, per consumer'): string {
  const n = Math.max(1, metrics.seconds);
  const peak = Math.max(0, ...metrics.consumers.flatMap((c) => c.eventsPerSecond));
  const step = niceStep(peak);
  const yMax = Math.max(step, Math.ceil(peak / step) * step);
  const w = WIDTH - PLOT.left - PLOT.right;
  const h = HEIGHT - PLOT.top - PLOT.bottom;
  const x = (i: number) => round(PLOT.left + ((i + 0.5) * w) / n);
  const y = (v: number) => round(PLOT.top + h * (1 - v / yMax));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-title" font-family="sans-serif" font-size="12">`,
    `<title id="chart-title">${escape(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text class="title" x="${PLOT.left}" y="22" font-size="15" font-weight="bold">${escape(title)}</text>`,
  ];
  // Legend, in one row under the title.
  let lx = PLOT.left;
  metrics.consumers.forEach((c, i) => {
    const total = c.eventsPerSecond.reduce((a, b) => a + b, 0);
    const label = `${c.consumer} (${total} events)`;
    out.push(
      `<g class="legend-item"><rect x="${lx}" y="34" width="14" height="4" fill="${colour(i)}"/>` +
        `<text x="${lx + 20}" y="40">${escape(label)}</text></g>`,
    );
    lx += 40 + label.length * 7;
  });
  out.push(`<g class="plot" data-y-max="${yMax}" data-seconds="${n}">`);
  // Horizontal grid and y ticks.
  for (let v = 0; v <= yMax; v += step) {
    out.push(
      `<line x1="${PLOT.left}" x2="${PLOT.left + w}" y1="${y(v)}" y2="${y(v)}" stroke="${v === 0 ? '#333333' : '#e0e0e0'}"/>`,
      `<text class="y-tick" x="${PLOT.left - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`,
    );
  }
  out.push(`<line x1="${PLOT.left}" x2="${PLOT.left}" y1="${PLOT.top}" y2="${PLOT.top + h}" stroke="#333333"/>`);
  // x ticks: every second, or every few seconds on a long run.
  const xStep = n <= 20 ? 1 : niceStep(n, 10);
  for (let i = 0; i < n; i += xStep) {
    out.push(
      `<line x1="${x(i)}" x2="${x(i)}" y1="${PLOT.top + h}" y2="${PLOT.top + h + 4}" stroke="#333333"/>`,
      `<text class="x-tick" x="${x(i)}" y="${PLOT.top + h + 18}" text-anchor="middle">${i}</text>`,
    );
  }
  metrics.consumers.forEach((c, i) => {
    const points = c.eventsPerSecond.map((v, s) => `${x(s)},${y(v)}`).join(' ');
    out.push(
      `<g class="series" data-consumer="${escape(c.consumer)}" data-pipeline="${escape(c.pipeline)}">`,
      `<polyline points="${points}" data-values="${c.eventsPerSecond.join(',')}" fill="none" stroke="${colour(i)}" stroke-width="2" stroke-linejoin="round"/>`,
      ...(n <= 60 ? c.eventsPerSecond.map((v, s) => `<circle cx="${x(s)}" cy="${y(v)}" r="3" fill="${colour(i)}"/>`) : []),
      '</g>',
    );
  });
  if (metrics.consumers.length === 0) {
    out.push(`<text class="empty" x="${PLOT.left + w / 2}" y="${PLOT.top + h / 2}" text-anchor="middle">no handler metrics in the functions' logs</text>`);
  }
  out.push(
    '</g>',
    `<text class="axis-label x-label" x="${PLOT.left + w / 2}" y="${HEIGHT - 12}" text-anchor="middle">second of the run (from the first publish; whole clock seconds)</text>`,
    `<text class="axis-label y-label" transform="translate(16 ${PLOT.top + h / 2}) rotate(-90)" text-anchor="middle">events/s</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}

function colour(i: number): string {
  return COLOURS[i % COLOURS.length];
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
