/**
 * Shows how far a run is: a redrawn bar on a terminal, plain lines every few seconds otherwise.
 */
export interface ProgressState {
  readonly published: number;
  readonly toPublish: number;
  /** Messages processed (deleted) per function, by short name. */
  readonly processed: Readonly<Record<string, number>>;
  readonly deadLettered: number;
  /** 0..1 */
  readonly fraction: number;
}

const WIDTH = 28;
const PLAIN_INTERVAL_MS = 2_000;

/** Where progress goes: process.stderr, or anything with write() (a terminal is told by isTTY). */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export class Progress {
  private readonly started = Date.now();
  private lastPlain = 0;
  private drawn = false;

  constructor(
    private readonly out: ProgressOutput,
    private readonly enabled: boolean,
  ) {}

  update(state: ProgressState): void {
    if (!this.enabled) return;
    const elapsed = (Date.now() - this.started) / 1000;
    const processed = Object.entries(state.processed)
      .map(([name, n]) => `${name} ${n}`)
      .join(' · ');
    const text =
      `published ${state.published}/${state.toPublish} · ${processed} · dead-lettered ${state.deadLettered}` +
      ` · ${elapsed.toFixed(1)} s`;
    if (this.out.isTTY) {
      const filled = Math.round(Math.min(1, state.fraction) * WIDTH);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${String(Math.floor(state.fraction * 100)).padStart(3)}%`;
      this.out.write(`\r\x1b[2K${`${bar} ${text}`.slice(0, (this.out.columns || 160) - 1)}`);
      this.drawn = true;
    } else if (Date.now() - this.lastPlain >= PLAIN_INTERVAL_MS) {
      this.lastPlain = Date.now();
      this.out.write(`progress: ${Math.floor(state.fraction * 100)}% ${text}\n`);
    }
  }

  done(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
