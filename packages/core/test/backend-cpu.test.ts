// Explicit cpu, no-op repeats, and the errors for bad or unavailable choices.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../src/errors.ts';
import { BACKEND_CHOICES, getBackendInfo, initBackend } from '../src/backend/index.ts';

delete process.env.BERT4TFJS_BACKEND;
delete process.env.BERT4TFJS_THREADS;

describe('initBackend cpu and errors', () => {
  it('starts cpu when asked, and a repeat is a no-op that logs nothing', async () => {
    const lines: string[] = [];
    const info = await initBackend({ backend: 'cpu', log: (l) => lines.push(l) });
    expect(info.name).toBe('cpu');
    expect(info.threads).toBe(1);
    expect(info.tried).toEqual([{ name: 'cpu', ok: true }]);
    expect(tf.getBackend()).toBe('cpu');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("backend cpu (1 thread; backend: 'cpu')");
    const again = await initBackend({ backend: 'cpu', log: (l) => lines.push(l) });
    expect(again).toEqual(info);
    expect(lines).toHaveLength(1);
    expect(getBackendInfo()?.name).toBe('cpu');
    expect(tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0]).toBe(5);
  });

  it('rejects an unknown backend name, listing the valid ones', async () => {
    const error = await initBackend({ backend: 'webgpu' as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Bert4tfjsError);
    expect((error as Error).message).toContain('"webgpu"');
    for (const name of BACKEND_CHOICES) expect((error as Error).message).toContain(name);
  });

  it('rejects a bad thread count, naming the option', async () => {
    await expect(initBackend({ backend: 'cpu', threads: 0 })).rejects.toThrow(/option "threads".*>= 1/);
    await expect(initBackend({ backend: 'cpu', threads: 1.5 })).rejects.toThrow(Bert4tfjsError);
  });

  it('fails clearly, without falling back, when tensorflow is asked for but absent', async () => {
    for (const name of ['tensorflow', 'tensorflow-gpu'] as const) {
      const error = await initBackend({ backend: name, quiet: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Bert4tfjsError);
      expect((error as Bert4tfjsError).code).toBe('backend-unavailable');
      const pkg = name === 'tensorflow' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu';
      expect((error as Error).message).toContain(`backend '${name}' cannot be used: ${pkg} not installed`);
    }
    // The failed requests left the previous engine in place and working.
    expect(tf.getBackend()).toBe('cpu');
    expect(getBackendInfo()?.name).toBe('cpu');
    expect(tf.mul(tf.scalar(2), tf.scalar(4)).dataSync()[0]).toBe(8);
  });
});
