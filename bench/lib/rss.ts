/**
 * Resident memory of this process: a sampler that polls RSS while a workload runs (the kernel's own
 * high-water mark, ru_maxrss, never goes down, so it cannot isolate one phase of a long process).
 */

/** Polls `process.memoryUsage.rss()` every `intervalMs` until stopped; keeps the peak. */
export class RssSampler {
  #timer: NodeJS.Timeout | null = null;
  #peak = 0;

  /** Starts sampling (idempotent). Samples once immediately. */
  start(intervalMs = 50): this {
    this.sample();
    if (!this.#timer) {
      this.#timer = setInterval(() => this.sample(), intervalMs);
      this.#timer.unref();
    }
    return this;
  }

  /** Takes one sample now; call it between synchronous steps, where the timer cannot fire. */
  sample(): void {
    this.#peak = Math.max(this.#peak, process.memoryUsage.rss());
  }

  /** Stops sampling and returns the peak RSS seen, in bytes. */
  stop(): number {
    this.sample();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    return this.#peak;
  }
}

/** The process's lifetime peak RSS (ru_maxrss) in bytes. */
export function processPeakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** Bytes as GiB with two decimals, for tables. */
export function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}
