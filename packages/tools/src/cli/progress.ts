/**
 * Progress of a long command on stderr: a bar redrawn in place on a terminal,
 * plain lines every few seconds otherwise (CI logs, pipes).
 */
import type { Output } from './io';
import { count } from './io';

const BAR_WIDTH = 24;
const REDRAW_MS = 100;
const PLAIN_EVERY_MS = 2_000;

export class Progress {
  private readonly started: number;
  private lastDraw = 0;
  private drawn = false;

  public constructor(
    private readonly out: Output,
    private readonly label: string,
    private readonly total: number,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  /** `done` of `total`; `detail` is appended, e.g. "3 failed". */
  public update(done: number, detail = ''): void {
    const now = this.now();
    const tty = this.out.isTTY === true;
    if (now - this.lastDraw < (tty ? REDRAW_MS : PLAIN_EVERY_MS) && done < this.total) return;
    this.lastDraw = now;
    const fraction = this.total === 0 ? 1 : Math.min(1, done / this.total);
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? ` · ${count(Math.round(done / seconds))}/s` : '';
    const text = `${this.label} ${count(done)}/${count(this.total)}${rate}${detail ? ` · ${detail}` : ''}`;
    if (tty) {
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
      this.out.write(`\r\x1b[2K${bar} ${text}`.slice(0, (this.out.columns ?? 120) + 6));
      this.drawn = true;
    } else {
      this.out.write(`${text} (${Math.floor(fraction * 100)}%)\n`);
    }
  }

  /** Ends the bar's line on a terminal. */
  public done(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
