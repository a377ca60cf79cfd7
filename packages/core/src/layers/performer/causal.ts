/**
 * Causal FAVOR+ by chunked prefix sums. Positions are processed in blocks of C: inside a block the C×C
 * matrix of φ(q_i)·φ(k_j) is masked to j <= i and applied directly; everything before the block is carried
 * in running sums (Σ φ(k_j) v_jᵀ [m, dv], Σ φ(k_j) [m], plus Σ v_j and the real-key count for the ε part
 * of φ). Neither an L×L nor an L×m×dv tensor is ever built: besides the inputs and the [L, dv] output, one
 * block holds O(C·m + C² + m·dv) floats per (batch, head) (feature maps are computed block by block).
 *
 * Softmax features need a key stabiliser. 'global' (the reference's: max over all real keys) makes
 * position i depend, through the ε of φ, on keys after i. 'prefix' uses, for query i, the max over keys
 * j <= i only, so outputs are strictly causal; running sums are kept relative to the current max and
 * rescaled when it grows, as in online softmax.
 */
import * as tf from '@tensorflow/tfjs';
import { stopGradient } from '../../ops/stop-gradient.ts';
import { batchMatMul } from '../../ops/batched.ts';
import {
  CAUSAL_DENOMINATOR_EPS,
  PAD_LOGIT,
  RELU_FEATURE_EPS,
  keyPartsFrom,
  keyStabilizer,
  positionMax,
  projectInputs,
  queryFeatureParts,
  softmaxEps,
  sumOverPositions,
  valuesByFeatures,
  type PerformerFeatureKernel,
} from './features.ts';

/** Key stabiliser of causal softmax features: strictly causal 'prefix' max, or the reference's 'global' max. */
export type CausalStabilizer = 'prefix' | 'global';

/** Options of {@link causalFavor}. */
export interface CausalFavorOptions {
  scale: number;
  kernel: PerformerFeatureKernel;
  stabilizer: CausalStabilizer;
  chunkSize: number;
}

/** Running sums over the keys already passed; softmax parts are relative to exp(ref). */
interface RunningState {
  vk: tf.Tensor; // [B, H, dv, m]  (Σ k̂_j v_jᵀ)ᵀ
  ksum: tf.Tensor; // [B, H, m, 1]  Σ k̂_j
  vsum: tf.Tensor; // [B, H, 1, dv] Σ v_j over real keys
  count: tf.Tensor; // [B|1, 1, 1, 1] number of real keys
  ref: tf.Tensor | null; // [B, H, 1, 1] stabiliser the sums are relative to (prefix mode only)
}

/** A block of keys: its exp/relu feature part k̂ (no ε, zero at padding) and what the state update needs. */
interface KeyBlock {
  khat: tf.Tensor; // [B, H, C, m]
  v: tf.Tensor; // [B, H, C, dv]
  mask: tf.Tensor | null; // [B, 1, C, 1]
  ref: tf.Tensor | null; // stabiliser k̂ is relative to
}

/** tf.tidy for results holding tensors inside plain objects (tidy keeps every tensor it finds in them). */
function tidyObject<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}

/** Slice positions [start, start + size) of a [B, H, L, *] tensor. */
function positions(x: tf.Tensor, start: number, size: number): tf.Tensor {
  return tf.slice(x, [0, 0, start, 0], [-1, -1, size, -1]);
}

/** [C, C] with 1 where j <= i. */
function lowerTriangle(c: number): tf.Tensor {
  return tf.tidy(() => {
    const i = tf.reshape(tf.range(0, c, 1, 'int32'), [c, 1]);
    const j = tf.reshape(tf.range(0, c, 1, 'int32'), [1, c]);
    return tf.cast(tf.lessEqual(j, i), 'float32');
  });
}

/** A key block from its projection: k̂ relative to `ref` (softmax) and zero at padded rows. */
function keyBlock(
  p: ReturnType<typeof projectInputs>,
  v: tf.Tensor,
  mask: tf.Tensor | null,
  projT: tf.Tensor,
  o: CausalFavorOptions,
  ref: tf.Tensor | null,
): KeyBlock {
  return { khat: keyPartsFrom(p, projT, o.kernel, mask, ref).main, v, mask, ref };
}

/** Adds a key block to the running sums (rescaling them when the stabiliser grew). */
function absorb(state: RunningState | null, block: KeyBlock, prefixMode: boolean): RunningState {
  const vk = valuesByFeatures(block.khat, block.v);
  const ksum = sumOverPositions(block.khat);
  const vsum = tf.sum(block.mask ? tf.mul(block.v, block.mask) : block.v, 2, true);
  const count = block.mask ? tf.sum(block.mask, 2, true) : tf.fill([1, 1, 1, 1], block.v.shape[2] as number);
  if (!state) return { vk, ksum, vsum, count, ref: prefixMode ? block.ref : null };
  const grow = prefixMode ? tf.exp(tf.sub(state.ref!, block.ref!)) : null;
  return {
    vk: tf.add(grow ? tf.mul(state.vk, grow) : state.vk, vk),
    ksum: tf.add(grow ? tf.mul(state.ksum, grow) : state.ksum, ksum),
    vsum: tf.add(state.vsum, vsum),
    count: tf.add(state.count, count),
    ref: prefixMode ? block.ref : null,
  };
}

/** Keeps the state's tensors across a tidy and disposes the previous state's. */
function replaceState(prev: RunningState | null, next: RunningState): RunningState {
  const list = [next.vk, next.ksum, next.vsum, next.count, ...(next.ref ? [next.ref] : [])];
  list.forEach((t) => tf.keep(t));
  if (prev) {
    const keep = new Set(list);
    [prev.vk, prev.ksum, prev.vsum, prev.count, prev.ref].forEach((t) => t && !keep.has(t) && t.dispose());
  }
  return next;
}

/**
 * Causal FAVOR+ attention: out_i = φ(q_i)·Σ_{j<=i+offset} φ(k_j) v_jᵀ / φ(q_i)·(Σ_{j<=i+offset} φ(k_j) + 1e-6),
 * offset = Lk − Lq >= 0 (keys before the first query, e.g. a cache, are seen by every query).
 * `mask` is the key mask as [B, 1, Lk, 1] floats or null; `projT` is Wᵀ [d, m].
 */
export function causalFavor(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  mask: tf.Tensor | null,
  projT: tf.Tensor,
  o: CausalFavorOptions,
): tf.Tensor {
  const lq = q.shape[2] as number;
  const lk = k.shape[2] as number;
  const offset = lk - lq;
  const c = o.chunkSize;
  const softmax = o.kernel === 'softmax';
  const prefixMode = softmax && o.stabilizer === 'prefix';
  const maskAt = (start: number, size: number): tf.Tensor | null => (mask ? positions(mask, start, size) : null);

  // 'global': one stabiliser per (batch, head) over all real keys, found block by block.
  let global: tf.Tensor | null = null;
  if (softmax && !prefixMode) {
    for (let s = 0; s < lk; s += c) {
      const next = tf.tidy(() => {
        const size = Math.min(c, lk - s);
        const st = keyStabilizer(projectInputs(positions(k, s, size), projT, o.scale).u, maskAt(s, size));
        return global ? tf.maximum(global, st) : st;
      });
      global?.dispose();
      global = next;
    }
  }

  let state: RunningState | null = null;
  const outputs: tf.Tensor[] = [];
  try {
    // Keys before the first query (offset > 0) only feed the running sums.
    for (let s = 0; s < offset; s += c) {
      const next = tidyObject(() => {
        const size = Math.min(c, offset - s);
        const kc = positions(k, s, size);
        const mc = maskAt(s, size);
        const p = projectInputs(kc, projT, o.scale);
        let ref = global;
        if (prefixMode) {
          const top = keyStabilizer(p.u, mc);
          ref = state ? tf.maximum(state.ref!, top) : top;
        }
        return absorb(state, keyBlock(p, positions(v, s, size), mc, projT, o, ref), prefixMode);
      });
      state = replaceState(state, next);
    }
    for (let s = 0; s < lq; s += c) {
      const size = Math.min(c, lq - s);
      const [out, next] = tidyObject((): [tf.Tensor, RunningState] => {
        const ks = offset + s;
        const kc = positions(k, ks, size);
        const mc = maskAt(ks, size);
        const tril = lowerTriangle(size);
        const p = projectInputs(kc, projT, o.scale);
        // Per-query stabiliser S_i (prefix mode), the block's reference R = max_i S_i, and the factors
        // that move k̂ (relative to R) and the state (relative to its ref) onto each query's S_i.
        let ref = global;
        let toQuery: tf.Tensor | null = null;
        let stateToQuery: tf.Tensor | null = null;
        if (prefixMode) {
          const r = positionMax(p.u, mc); // [B, H, C, 1]
          const rRow = tf.reshape(r, [r.shape[0] as number, r.shape[1] as number, 1, size]);
          let si = tf.max(tf.add(rRow, tf.mul(tf.sub(1, tril), PAD_LOGIT)), -1, true);
          // Same shapes on purpose: tfjs's Maximum gradient does not undo broadcasting.
          if (state) si = tf.maximum(si, tf.broadcastTo(state.ref!, si.shape));
          si = stopGradient(si);
          ref = tf.max(si, 2, true);
          toQuery = tf.exp(tf.minimum(tf.sub(ref, si), 80));
          if (state) stateToQuery = tf.exp(tf.sub(state.ref!, si));
        }
        const block = keyBlock(p, positions(v, ks, size), mc, projT, o, ref);
        const qp = queryFeatureParts(positions(q, s, size), projT, o.scale, o.kernel);
        const phq = tf.add(qp.main, qp.eps);
        const qsum = tf.sum(phq, -1, true); // [B, H, C, 1]
        // ε part of φ(q_i)·φ(k_j) for any real key j (ε of key features is the same for every key).
        const eps = tf.mul(qsum, o.kernel === 'softmax' ? softmaxEps(projT.shape[1] as number) : RELU_FEATURE_EPS);
        let scores = batchMatMul(phq, block.khat, true); // [B, H, C, C]
        if (toQuery) scores = tf.mul(scores, toQuery);
        const epsPart = mc ? tf.mul(eps, tf.reshape(mc, [mc.shape[0] as number, 1, 1, size])) : eps;
        const w = tf.mul(tf.add(scores, epsPart), tril);
        let num = batchMatMul(w, block.v);
        let den = tf.add(tf.sum(w, -1, true), tf.mul(qsum, CAUSAL_DENOMINATOR_EPS));
        if (state) {
          let pn = batchMatMul(phq, state.vk, true);
          let pd = batchMatMul(phq, state.ksum);
          if (stateToQuery) {
            pn = tf.mul(pn, stateToQuery);
            pd = tf.mul(pd, stateToQuery);
          }
          num = tf.add(num, tf.add(pn, tf.mul(eps, state.vsum)));
          den = tf.add(den, tf.add(pd, tf.mul(eps, state.count)));
        }
        const out = tf.div(num, tf.maximum(den, 1e-30));
        return [out, absorb(state, block, prefixMode)];
      });
      outputs.push(out);
      state = replaceState(state, next);
    }
    return outputs.length === 1 ? outputs[0] : tf.concat(outputs, 2);
  } finally {
    if (outputs.length > 1) outputs.forEach((t) => t.dispose());
    if (state) [state.vk, state.ksum, state.vsum, state.count, state.ref].forEach((t) => t?.dispose());
    (global as tf.Tensor | null)?.dispose();
  }
}
