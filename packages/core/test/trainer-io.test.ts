// Trainer I/O pieces: the metrics log survives a torn line, peak buffer bytes count shared buffers once,
// and stale temporary checkpoint directories are removed only when their writer is gone.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { MetricsLog, listCheckpoints, readMetricsLog, trackPeakBytes } from '../src/index.ts';
import { removeStaleTemporaries } from '../src/train/trainer/checkpoint.ts';

const root = mkdtempSync(join(tmpdir(), 'trainer-io-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('MetricsLog', () => {
  it('appends JSON lines, isolates a torn line and lets later records win', () => {
    const path = join(root, 'm.jsonl');
    const a = new MetricsLog(path);
    a.write({ event: 'step', step: 1, loss: 2 });
    a.write({ event: 'step', step: 2, loss: NaN });
    a.close();
    appendFileSync(path, '{"event":"step","step":3,"lo'); // a crash mid-line
    const b = new MetricsLog(path);
    b.write({ event: 'resume', step: 1 });
    b.write({ event: 'step', step: 2, loss: 1.5 });
    b.close();
    const all = readMetricsLog(path);
    expect(all.map((r) => r.event)).toEqual(['step', 'step', 'resume', 'step']);
    expect(all[1].loss).toBeNull();
    expect(readMetricsLog(path, { latestPerStep: true })).toEqual([
      { event: 'step', step: 1, loss: 2 },
      { event: 'step', step: 2, loss: 1.5 },
    ]);
  });
});

describe('trackPeakBytes', () => {
  it('counts each buffer once, from allocation to release', () => {
    const backend = tf.backend();
    const { peakBytes } = trackPeakBytes(() => {
      const a = tf.zeros([1000]); // 4000 bytes
      const b = tf.ones([1000]); // 8000 alive
      a.dispose();
      b.dispose();
      tf.zeros([500]).dispose(); // 2000: below the peak
    });
    expect(peakBytes).toBe(8000);
    const shared = trackPeakBytes(() => {
      const x = tf.zeros([100]);
      const views = [x.reshape([10, 10]), x.clone(), x.reshape([4, 25])]; // share x's buffer on cpu
      tf.dispose([x, ...views]);
    });
    expect(shared.peakBytes).toBe(400);
    expect(Object.hasOwn(backend, 'write')).toBe(false);
    expect(Object.hasOwn(backend, 'disposeData')).toBe(false);
  });
});

describe('removeStaleTemporaries', () => {
  it('removes directories of dead writers, keeps live ones and real checkpoints', () => {
    const dir = join(root, 'ck');
    const dead = join(dir, '.step-00000005.999999.0a1b2c3d.tmp');
    const live = join(dir, `.step-00000006.${process.ppid}.0a1b2c3d.tmp`);
    const real = join(dir, 'step-00000004');
    for (const d of [dead, live, real]) mkdirSync(d, { recursive: true });
    appendFileSync(join(real, 'trainer.json'), '{}');
    removeStaleTemporaries(dir);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([4]);
  });
});
