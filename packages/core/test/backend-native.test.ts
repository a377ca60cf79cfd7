// The tfjs-node loader with stand-in packages: failures leave tfjs usable, a working package registers
// 'tensorflow' on our tfjs-core and becomes active, and import errors are explained.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { explainImportFailure, loadNativeBackend } from '../src/backend/native.ts';

describe('native backend loading', () => {
  it('explains missing packages and missing libtensorflow differently', () => {
    const missing = Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node' imported from /x/native.ts"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    expect(explainImportFailure('@tensorflow/tfjs-node', missing)).toMatch(/^@tensorflow\/tfjs-node not installed/);
    const viaLoader = Object.assign(
      new Error("Cannot find package '/r/node_modules/@tensorflow/tfjs-node-gpu/index.js' imported from /r/native.ts"),
      { code: 'ERR_MODULE_NOT_FOUND' },
    );
    expect(explainImportFailure('@tensorflow/tfjs-node-gpu', viaLoader)).toMatch(
      /^@tensorflow\/tfjs-node-gpu not installed/,
    );
    expect(explainImportFailure('@tensorflow/tfjs-node', viaLoader)).not.toContain('not installed');
    const binding = Object.assign(
      new Error("Cannot find module '/n/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node'\nRequire stack: ..."),
      { code: 'MODULE_NOT_FOUND' },
    );
    expect(explainImportFailure('@tensorflow/tfjs-node', binding)).toMatch(
      /not loadable \(libtensorflow missing: Cannot find module/,
    );
    const so = new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');
    expect(explainImportFailure('@tensorflow/tfjs-node-gpu', so)).toContain('libtensorflow missing');
    expect(explainImportFailure('@tensorflow/tfjs-node', new Error('boom'))).toBe(
      '@tensorflow/tfjs-node not loadable (boom)',
    );
  });

  it('leaves tfjs usable when a package registers a backend and then throws', async () => {
    await tf.setBackend('cpu');
    const result = await loadNativeBackend('tensorflow', async () => {
      tf.registerBackend(
        'tensorflow',
        () => {
          throw new Error('no binding');
        },
        3,
      );
      throw new Error('libtensorflow.so.2: cannot open shared object file');
    });
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('libtensorflow missing') });
    expect(tf.findBackendFactory('tensorflow')).toBeNull();
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]).toBe(3);
  });

  it('recovers when the registered backend fails to start', async () => {
    const result = await loadNativeBackend('tensorflow-gpu', async () => {
      tf.registerBackend(
        'tensorflow',
        () => {
          throw new Error('CUDA init failed');
        },
        3,
      );
      return {};
    });
    expect(result.ok).toBe(false);
    expect(tf.findBackendFactory('tensorflow')).toBeNull();
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.sub(tf.scalar(5), tf.scalar(2)).dataSync()[0]).toBe(3);
  });

  it('activates a package that registers tensorflow on this tfjs-core', async () => {
    const result = await loadNativeBackend('tensorflow', async () => {
      // Stand-in for tfjs-node: a working backend under the name 'tensorflow' (no kernels needed here).
      tf.registerBackend('tensorflow', () => new tf.MathBackendCPU(), 3);
      return { version: { 'tfjs-node': '4.22.0' } };
    });
    expect(result).toEqual({ ok: true, version: '4.22.0' });
    expect(tf.getBackend()).toBe('tensorflow');
    tf.removeBackend('tensorflow');
    await tf.setBackend('cpu');
  });
});
