/**
 * The progress bar on stderr: step, epoch, loss (running mean) and speed (tokens/s or examples/s).
 */
import cliProgress from 'cli-progress';

/** What the bar shows after each step. */
export interface ProgressUpdate {
  step: number;
  epoch: number;
  loss: number;
  /** Units per second and their name ('tok/s' or 'ex/s'). */
  speed: number;
  unit: string;
}

/** A progress bar, or nothing when disabled. */
export class Progress {
  private bar: cliProgress.SingleBar | null = null;

  constructor(private readonly enabled: boolean) {}

  start(total: number, done: number, epochs: number): void {
    if (!this.enabled) return;
    this.bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `{bar} {value}/{total} | epoch {epoch}/${epochs} | loss {loss} | {speed} {unit} | eta {eta_formatted}`,
        hideCursor: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, done, { epoch: 1, loss: '-', speed: '-', unit: '' });
  }

  update(u: ProgressUpdate): void {
    this.bar?.update(u.step, { epoch: u.epoch + 1, loss: u.loss.toFixed(4), speed: u.speed.toFixed(1), unit: u.unit });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
