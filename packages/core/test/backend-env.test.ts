// BERT4TFJS_BACKEND / BERT4TFJS_THREADS set defaults; explicit options win. Fresh process per file, so the env
// var is set before the first initBackend of this process.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.ts';
import { resolveRequest } from '../src/backend/options.ts';

describe('environment defaults', () => {
  it('honours BERT4TFJS_BACKEND=cpu and says so in the report', async () => {
    process.env.BERT4TFJS_BACKEND = 'cpu';
    const lines: string[] = [];
    const info = await initBackend({ log: (l) => lines.push(l) });
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(lines).toEqual([expect.stringContaining('BERT4TFJS_BACKEND=cpu')]);
  });

  it('lets an explicit option win over the environment', () => {
    const env = { BERT4TFJS_BACKEND: 'cpu', BERT4TFJS_THREADS: '3' };
    expect(resolveRequest({ backend: 'wasm', threads: 2 }, env)).toMatchObject({
      backend: 'wasm',
      threads: 2,
      source: 'option',
    });
    expect(resolveRequest({}, env)).toMatchObject({ backend: 'cpu', threads: 3, source: 'env' });
    expect(resolveRequest({}, {})).toMatchObject({ backend: 'auto', threads: undefined, source: 'default' });
    expect(resolveRequest({}, { BERT4TFJS_BACKEND: ' WASM ' }).backend).toBe('wasm');
  });

  it('names the environment variable at fault', () => {
    expect(() => resolveRequest({}, { BERT4TFJS_BACKEND: 'gpu' })).toThrow(
      /BERT4TFJS_BACKEND: unknown backend "gpu"; expected one of auto, tensorflow-gpu, tensorflow, wasm, cpu/,
    );
    expect(() => resolveRequest({}, { BERT4TFJS_THREADS: 'many' })).toThrow(
      /BERT4TFJS_THREADS: expected a whole number/,
    );
  });
});
