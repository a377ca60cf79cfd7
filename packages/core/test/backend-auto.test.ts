// auto on this machine: tfjs-node(-gpu) are absent, so wasm is chosen and the skips are explained, once.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { getBackendInfo, initBackend } from '../src/backend/index.ts';

delete process.env.BERT4TFJS_BACKEND;
delete process.env.BERT4TFJS_THREADS;

describe('initBackend auto', () => {
  it('picks wasm and reports why each better backend was skipped, in one line, once', async () => {
    const lines: string[] = [];
    const log = (l: string): void => {
      lines.push(l);
    };
    const info = await initBackend({ threads: 2, log });
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.tried.map((t) => [t.name, t.ok])).toEqual([
      ['tensorflow-gpu', false],
      ['tensorflow', false],
      ['wasm', true],
    ]);
    expect(info.tried[0].reason).toMatch(/^@tensorflow\/tfjs-node-gpu not (installed|loadable)/);
    expect(info.tried[1].reason).toMatch(/^@tensorflow\/tfjs-node not (installed|loadable)/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(lines[0]).toMatch(
      /^bert4tfjs: backend wasm \(2 threads, SIMD; auto\); skipped tensorflow-gpu: @tensorflow\/tfjs-node-gpu .*; tensorflow: @tensorflow\/tfjs-node /,
    );
    expect(getBackendInfo()).toEqual(info);

    // Repeats and switches never report again in this process.
    await initBackend({ threads: 2, log });
    await initBackend({ backend: 'cpu', log });
    expect(lines).toHaveLength(1);
    expect(getBackendInfo()?.name).toBe('cpu');
  });
});
