// deferInitialization: weights created inside start at zero; finish() draws random values only for
// those still holding their placeholder (not overwritten by a load).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { deferInitialization, Dense } from '../src/index.ts';

describe('deferInitialization', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('zeros inside the deferral, random after finish unless loaded, normal outside', () => {
    const deferral = deferInitialization();
    const a = new Dense({ units: 64, initializerRange: 0.02 });
    const b = new Dense({ units: 64, initializerRange: 0.02 });
    a.apply(tf.input({ shape: [32] }));
    b.apply(tf.input({ shape: [32] }));
    deferral.close();
    const c = new Dense({ units: 64, initializerRange: 0.02 });
    c.apply(tf.input({ shape: [32] }));
    const kernel = (d: Dense) => d.weights.find((w) => w.originalName.endsWith('/kernel'))!;
    expect(Array.from(kernel(a).read().dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(kernel(c).read().dataSync()).some((v) => v !== 0)).toBe(true);
    const loaded = tf.fill([32, 64], 0.5);
    kernel(b).write(loaded);
    loaded.dispose();
    const count = deferral.finish([...a.weights, ...b.weights]);
    expect(count).toBe(1); // a's kernel only: biases use zeros by design, b's kernel was loaded
    const av = Array.from(kernel(a).read().dataSync());
    const std = Math.sqrt(av.reduce((s, v) => s + v * v, 0) / av.length);
    expect(std).toBeGreaterThan(0.01);
    expect(std).toBeLessThan(0.03);
    expect(Array.from(kernel(b).read().dataSync()).every((v) => v === 0.5)).toBe(true);
  });
});
