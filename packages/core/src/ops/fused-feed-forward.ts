/**
 * The position-wise feed-forward `act(x W1 + b1) W2 + b2` as one differentiable op. Composed, the tape
 * keeps x, the pre-activation h, every intermediate of the activation and act(h) (all but x of shape
 * [N, ffn]); fused, it keeps x and h only and recomputes act(h) (elementwise, cheap) in the backward:
 *   g = act(h);  dW2 = gᵀ dy;  db2 = Σ dy;  dh = (dy W2ᵀ) · act'(h);  dW1 = xᵀ dh;  db1 = Σ dh;  dx = dh W1ᵀ
 * with explicit transposes (never transpose-flag matmuls). Same forward ops as the layer's composed path.
 */
import * as tf from '@tensorflow/tfjs';
import { geluDerivative, geluTanhDerivative, geluTanhValue, geluValue } from './fused-gelu.ts';
import { shareIdentityWhenTaping } from './shared-identity.ts';
import { tidyCustomGrad, type TidyGradOp } from './tidy-grad.ts';

interface ActivationPair {
  value: (h: tf.Tensor) => tf.Tensor;
  derivative: (h: tf.Tensor) => tf.Tensor;
}

const PAIRS: Record<string, ActivationPair> = {
  gelu: { value: geluValue, derivative: geluDerivative },
  gelu_new: { value: geluTanhValue, derivative: geluTanhDerivative },
  relu: { value: (h) => tf.relu(h), derivative: (h) => tf.cast(tf.greater(h, 0), 'float32') },
  linear: { value: (h) => h, derivative: (h) => tf.onesLike(h) },
};
const ALIASES: Record<string, string> = {
  gelu_fast: 'gelu_new',
  gelu_pytorch_tanh: 'gelu_new',
  'gelu-tanh': 'gelu_new',
};

/** Whether {@link fusedFeedForward} supports the activation called `name`. */
export function fusedFeedForwardSupports(name: string): boolean {
  return (ALIASES[name] ?? name) in PAIRS;
}

const ops = new Map<string, TidyGradOp>();

function mm(a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  return bias ? tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias }) : tf.matMul(a, b);
}

/** The op for an activation and bias setting; inputs x2d, W1, [b1], W2, [b2]. */
function opFor(activation: string, useBias: boolean): TidyGradOp {
  const key = `${activation}|${useBias}`;
  let op = ops.get(key);
  if (op) return op;
  const act = PAIRS[ALIASES[activation] ?? activation];
  op = tidyCustomGrad((inputs, save) => {
    const [x, w1, b1, w2, b2] = useBias ? inputs : [inputs[0], inputs[1], null, inputs[2], null];
    const h = mm(x, w1, b1);
    const value = mm(act.value(h), w2, b2);
    save([x, h, w1, w2]);
    return {
      value,
      gradFunc: (dy, [sx, sh, sw1, sw2]) => {
        const g = act.value(sh);
        const dW2 = tf.matMul(tf.transpose(g), dy);
        const dh = tf.mul(tf.matMul(dy, tf.transpose(sw2)), act.derivative(sh));
        const dW1 = tf.matMul(tf.transpose(sx), dh);
        const dx = tf.matMul(dh, tf.transpose(sw1));
        return useBias ? [dx, dW1, tf.sum(dh, 0), dW2, tf.sum(dy, 0)] : [dx, dW1, dW2];
      },
    };
  });
  ops.set(key, op);
  return op;
}

/** Weights of {@link fusedFeedForward}: kernels `[D, F]`, `[F, D']`; biases both present or both null. */
export interface FeedForwardWeights {
  innerKernel: tf.Tensor;
  innerBias: tf.Tensor | null;
  outerKernel: tf.Tensor;
  outerBias: tf.Tensor | null;
}

/**
 * `act(x W1 + b1) W2 + b2` over the last axis of `x` as one op that keeps x and the pre-activation for
 * its gradient. `activation` must satisfy {@link fusedFeedForwardSupports}; a bias pair with one of the
 * two missing is an error.
 */
export function fusedFeedForward(x: tf.Tensor, w: FeedForwardWeights, activation: string): tf.Tensor {
  if (!fusedFeedForwardSupports(activation))
    throw new Error(`fusedFeedForward: unsupported activation '${activation}'`);
  if ((w.innerBias === null) !== (w.outerBias === null))
    throw new Error('fusedFeedForward: give both biases or neither');
  shareIdentityWhenTaping();
  return tf.tidy(() => {
    const inDim = x.shape[x.rank - 1] as number;
    const outDim = w.outerKernel.shape[1] as number;
    const x2d = x.rank === 2 ? x : tf.reshape(x, [-1, inDim]);
    const useBias = w.innerBias !== null;
    const op = opFor(activation, useBias);
    const y = useBias
      ? op(x2d, w.innerKernel, w.innerBias!, w.outerKernel, w.outerBias!)
      : op(x2d, w.innerKernel, w.outerKernel);
    return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), outDim]);
  });
}
