/**
 * An opt-in probe that records attention probabilities while a forward pass runs, for parity checks
 * against reference `attentions` outputs and for `bert4tfjs forward`. Kernels report their probabilities
 * only while a probe is open, so the normal path pays nothing. Probabilities are [B, H, Lq, Lk].
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';
import { causalMask, MASK_NEGATIVE, type AttentionKernelInputs } from './attention-kernel.ts';

let open: Map<string, tf.Tensor> | null = null;

/** Whether a probe is recording (kernels check this before computing anything extra). */
export function attentionProbeActive(): boolean {
  return open !== null;
}

/** Records `probs` [B, H, Lq, Lk] for the attention layer `layer` (kept outside any tidy; the probe owns it). */
export function reportAttention(layer: string, probs: tf.Tensor): void {
  if (!open) return;
  open.get(layer)?.dispose();
  open.set(layer, tf.keep(probs.clone()));
}

/**
 * Runs `fn` with a probe open and returns its result with the attention probabilities each reporting
 * layer produced, by layer name. The caller disposes the tensors. Probes do not nest.
 */
export function recordAttentions<T>(fn: () => T): { result: T; attentions: Map<string, tf.Tensor> } {
  if (open) throw new Bert4tfjsError('recordAttentions: a probe is already open (probes do not nest)', 'bad-argument');
  const recorded = new Map<string, tf.Tensor>();
  open = recorded;
  try {
    return { result: fn(), attentions: recorded };
  } catch (err) {
    tf.dispose([...recorded.values()]);
    throw err;
  } finally {
    open = null;
  }
}

/**
 * softmax(scale · q kᵀ + bias + masks) for kernels whose own path never materialises the probabilities
 * under the same name; the same ops in the same order as softmax attention, so equal values.
 */
export function softmaxProbabilities(inp: AttentionKernelInputs): tf.Tensor {
  return tf.tidy(() => {
    const lq = inp.q.shape[2] as number;
    const lk = inp.k.shape[2] as number;
    const q = inp.scale !== 1 ? tf.mul(inp.q, inp.scale) : inp.q;
    let scores = tf.matMul(q, inp.k, false, true);
    if (inp.bias) scores = tf.add(scores, inp.bias);
    if (inp.keyMask) {
      const m = tf.reshape(tf.cast(inp.keyMask, 'float32'), [inp.keyMask.shape[0] as number, 1, 1, lk]);
      scores = tf.add(scores, tf.mul(tf.sub(1, m), MASK_NEGATIVE));
    }
    if (inp.causal) scores = tf.add(scores, tf.mul(tf.sub(1, causalMask(lq, lk)), MASK_NEGATIVE));
    return tf.softmax(scores, -1);
  });
}
