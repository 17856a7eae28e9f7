/**
 * The benchmark chart, an SVG drawn from the figures: ratios to the baseline
 * measured in the same run, events/s per process, and cost per million events
 * by service. No dependency: plain SVG text.
 */

export interface RatioBar {
  readonly label: string;
  /** This pipeline's figure divided by the baseline's. */
  readonly ratio: number;
  /** The goal, as a ratio, when there is one. */
  readonly goal?: number;
}

export interface PairBar {
  readonly label: string;
  readonly ours: number;
  readonly baseline: number;
}

export interface StackBar {
  readonly label: string;
  readonly parts: readonly { readonly name: string; readonly value: number }[];
}

export interface ChartData {
  readonly title: string;
  readonly ratios: readonly RatioBar[];
  readonly throughput: readonly PairBar[];
  readonly costs: readonly StackBar[];
}

const WIDTH = 860;
const LABEL = 300;
const PLOT = 440;
const ROW = 26;
const COLORS = { ours: '#2b6cb0', baseline: '#a0aec0', goal: '#c53030', parts: ['#2b6cb0', '#38a169', '#d69e2e', '#805ad5', '#718096'] };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const text = (x: number, y: number, s: string, attrs = '') => `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`;
const rect = (x: number, y: number, w: number, h: number, fill: string) =>
  `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0, w).toFixed(1)}" height="${h}" fill="${fill}"/>`;
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

function ratioPanel(top: number, bars: readonly RatioBar[]): { svg: string[]; height: number } {
  const max = Math.max(1.2, ...bars.map((b) => b.ratio), ...bars.map((b) => b.goal ?? 0)) * 1.05;
  const x = (v: number) => LABEL + (v / max) * PLOT;
  const svg = [text(10, top + 16, 'This pipeline ÷ baseline, measured in the same run (lower is better)', 'class="h"')];
  const y0 = top + 30;
  bars.forEach((b, i) => {
    const y = y0 + i * ROW;
    svg.push(text(LABEL - 8, y + 14, b.label, 'text-anchor="end"'));
    svg.push(rect(LABEL, y + 3, x(b.ratio) - LABEL, ROW - 8, COLORS.ours));
    const end = Math.max(x(b.ratio), b.goal === undefined ? 0 : x(b.goal) + 2);
    svg.push(text(end + 4, y + 14, `${fmt(b.ratio)}×`));
    if (b.goal !== undefined) {
      svg.push(`<line x1="${x(b.goal).toFixed(1)}" x2="${x(b.goal).toFixed(1)}" y1="${y + 1}" y2="${y + ROW - 3}" stroke="${COLORS.goal}" stroke-width="2"/>`);
    }
  });
  const bottom = y0 + bars.length * ROW;
  svg.push(`<line x1="${x(1).toFixed(1)}" x2="${x(1).toFixed(1)}" y1="${y0 - 4}" y2="${bottom}" stroke="#4a5568" stroke-dasharray="4 3"/>`);
  svg.push(text(x(1) + 4, y0 - 2, 'baseline = 1×', 'class="s"'));
  svg.push(rect(LABEL, bottom + 4, 3, 10, COLORS.goal), text(LABEL + 8, bottom + 13, 'goal, where the issue sets one', 'class="s"'));
  return { svg, height: bottom + 24 - top };
}

function pairPanel(top: number, bars: readonly PairBar[]): { svg: string[]; height: number } {
  const max = Math.max(1, ...bars.flatMap((b) => [b.ours, b.baseline])) * 1.1;
  const x = (v: number) => LABEL + (v / max) * PLOT;
  const svg = [text(10, top + 16, 'Events/s per process on dynalite (higher is better)', 'class="h"')];
  const y0 = top + 30;
  bars.forEach((b, i) => {
    const y = y0 + i * ROW * 2;
    svg.push(text(LABEL - 8, y + 14, b.label, 'text-anchor="end"'));
    svg.push(rect(LABEL, y + 3, x(b.ours) - LABEL, ROW - 8, COLORS.ours), text(x(b.ours) + 4, y + 14, fmt(b.ours)));
    svg.push(text(LABEL - 8, y + ROW + 14, 'baseline', 'text-anchor="end" class="s"'));
    svg.push(rect(LABEL, y + ROW + 3, x(b.baseline) - LABEL, ROW - 8, COLORS.baseline), text(x(b.baseline) + 4, y + ROW + 14, fmt(b.baseline)));
  });
  return { svg, height: 30 + bars.length * ROW * 2 + 6 };
}

function stackPanel(top: number, bars: readonly StackBar[]): { svg: string[]; height: number } {
  const max = Math.max(0.01, ...bars.map((b) => b.parts.reduce((n, p) => n + p.value, 0))) * 1.1;
  const x = (v: number) => (v / max) * PLOT;
  const svg = [text(10, top + 16, 'USD per million events, us-east-1, by service (modelled from measured request counts)', 'class="h"')];
  const y0 = top + 30;
  bars.forEach((b, i) => {
    const y = y0 + i * ROW;
    svg.push(text(LABEL - 8, y + 14, b.label, 'text-anchor="end"'));
    let at = LABEL;
    b.parts.forEach((p, n) => {
      svg.push(rect(at, y + 3, x(p.value), ROW - 8, COLORS.parts[n % COLORS.parts.length]));
      at += x(p.value);
    });
    svg.push(text(at + 4, y + 14, `$${b.parts.reduce((n, p) => n + p.value, 0).toFixed(2)}`));
  });
  const legendY = y0 + bars.length * ROW + 6;
  (bars[0]?.parts ?? []).forEach((p, n) => {
    const lx = LABEL + n * 90;
    svg.push(rect(lx, legendY, 10, 10, COLORS.parts[n % COLORS.parts.length]), text(lx + 14, legendY + 9, p.name, 'class="s"'));
  });
  return { svg, height: legendY + 18 - top };
}

export function chartSvg(data: ChartData): string {
  const parts: string[] = [];
  let top = 36;
  const panels = [
    data.ratios.length > 0 && ((t: number) => ratioPanel(t, data.ratios)),
    data.throughput.length > 0 && ((t: number) => pairPanel(t, data.throughput)),
    data.costs.length > 0 && ((t: number) => stackPanel(t, data.costs)),
  ].filter((p) => p !== false);
  for (const panel of panels) {
    const made = panel(top);
    parts.push(...made.svg);
    top += made.height + 16;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top}" viewBox="0 0 ${WIDTH} ${top}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    '<style>.h { font-weight: bold; font-size: 13px; } .s { font-size: 11px; fill: #4a5568; }</style>',
    `<rect width="${WIDTH}" height="${top}" fill="#ffffff"/>`,
    text(10, 22, data.title, 'font-size="15" font-weight="bold"'),
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
