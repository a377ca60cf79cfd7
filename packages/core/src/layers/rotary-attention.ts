/**
 * Rotary position embedding inside multi-head attention (RoFormer): an attention kernel, registered as
 * `attention: { type: 'rotary' }`, that rotates each head's queries and keys by their positions before
 * softmax attention, so q_m·k_n depends on m and n only through n − m. Pairs are interleaved
 * (x_2i, x_2i+1) at angle p·10000^(−2i/d) (task/rope.ts). `rotaryValue: true` rotates the values too
 * (Hugging Face `rotary_value`); the context is not rotated back, as in the reference.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';
import { attentionProbeActive, reportAttention, softmaxProbabilities } from './attention-probe.ts';
import { softmaxAttention, type AttentionKernel } from './attention-kernel.ts';
import { fusedSoftmaxKernel, registerAttentionKernel, type AttentionOption } from './attention.ts';
import { applyRopeOnAxis, ropeAngle } from './task/rope.ts';

/** Options of the rotary kernel. */
export interface RotaryAttentionOption {
  type: 'rotary';
  /** Rotate the values as well as queries and keys. Default false. */
  rotaryValue?: boolean;
}

/** Rotates heads [B, H, L, d] by position (axis 2). */
export function rotateHeads(x: tf.Tensor): tf.Tensor {
  const d = x.shape[x.rank - 1] as number;
  if (d % 2 !== 0) throw new Bert4tfjsError(`rotary attention needs an even head size, got ${d}`, 'bad-config');
  return applyRopeOnAxis(x, 2);
}

/**
 * The fixed table Hugging Face stores as `roformer.encoder.embed_positions.weight` [maxPositions, dim]:
 * row p is sin(p·θ_i) for i < dim/2, then cos(p·θ_i) (halves, not interleaved).
 */
export function rotarySinusoidTable(maxPositions: number, dim: number): Float32Array {
  const half = dim / 2;
  const out = new Float32Array(maxPositions * dim);
  for (let p = 0; p < maxPositions; p++) {
    for (let i = 0; i < half; i++) {
      const a = ropeAngle(p, i, dim);
      out[p * dim + i] = Math.sin(a);
      out[p * dim + half + i] = Math.cos(a);
    }
  }
  return out;
}

/** Builds the rotary kernel for one attention layer (`layerName` labels probed probabilities). */
export function rotaryAttentionKernel(option: AttentionOption, layerName = 'attention'): AttentionKernel {
  const { type: _type, rotaryValue, ...rest } = option as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) {
    throw new Bert4tfjsError(
      `rotary attention: unknown option(s) ${unknown.join(', ')} (known: rotaryValue)`,
      'bad-config',
    );
  }
  if (rotaryValue !== undefined && typeof rotaryValue !== 'boolean') {
    throw new Bert4tfjsError(
      `rotary attention: rotaryValue must be true or false, got ${JSON.stringify(rotaryValue)}`,
      'bad-config',
    );
  }
  return (inp) => {
    const q = rotateHeads(inp.q);
    const k = rotateHeads(inp.k);
    const v = rotaryValue ? rotateHeads(inp.v) : inp.v;
    const rotated = { ...inp, q, k, v };
    if (attentionProbeActive()) {
      const probs = softmaxProbabilities(rotated);
      reportAttention(layerName, probs);
      probs.dispose();
    }
    // Under a tape the fused op keeps only q, k, v and the probabilities for the backward pass.
    // The caller's tidy frees the rotated copies (the tape keeps what the gradient needs).
    return (tf.engine().isTapeOn() ? fusedSoftmaxKernel : softmaxAttention)(rotated);
  };
}

registerAttentionKernel('rotary', (option, layer) => rotaryAttentionKernel(option, layer.name));
