/**
 * Two regularisers that take a second gradient pass with one variable (the token embedding) moved along
 * its own gradient g_E, as bert4keras's examples do:
 * - FGM adversarial training (Miyato et al. 2017): δ = ε·g_E/‖g_E‖, gradients of L(E + δ) are added to the
 *   clean ones (the step descends L(E) + L(E + δ));
 * - gradient penalty: the loss gains (w/2)·‖∇_E L‖²; its gradient H·g_E (a Hessian-vector product) is taken
 *   by a finite difference, (∇L(E + r·g_E) − ∇L(E)) / r with r = h/‖g_E‖, which is exact for a quadratic
 *   loss and needs no double back-propagation (that tfjs lacks for several kernels).
 * The variable is restored bit for bit afterwards.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import type { BatchGradients } from './gradients.ts';
import type { TrainTarget } from './target.ts';

/** What a perturbed second pass does. */
export type Perturbation =
  | { kind: 'fgm'; variable: string; epsilon: number }
  | { kind: 'gradient-penalty'; variable: string; weight: number };

/** Length of the finite-difference step of the gradient penalty, in the variable's units. */
const GP_STEP = 1e-3;

/** Throws unless `p` names a trainable variable of `target`. */
export function checkPerturbation(p: Perturbation, target: TrainTarget): void {
  if (!target.trainable.has(p.variable))
    throw new Bert4tfjsError(
      `Trainer: the ${p.kind === 'fgm' ? 'adversarial' : 'gradientPenalty'} variable '${p.variable}' is not a trainable variable (some: ${[...target.trainable.keys()].slice(0, 5).join(', ')})`,
      'bad-argument',
    );
}

/**
 * The gradients of one step with `p` applied, given the clean pass `clean` (whose gradients are consumed)
 * and `pass()`, which computes loss and gradients again at the current variable values.
 */
export function perturbedGradients(
  p: Perturbation,
  target: TrainTarget,
  clean: BatchGradients,
  pass: () => BatchGradients,
): Map<string, tf.Tensor> {
  const v = target.trainable.get(p.variable)!;
  const gE = clean.grads.get(p.variable);
  if (gE === undefined) return clean.grads;
  const norm = tf.tidy(() => tf.norm(gE).dataSync()[0]);
  if (!(norm > 0) || !Number.isFinite(norm)) return clean.grads;
  const scale = p.kind === 'fgm' ? p.epsilon / norm : GP_STEP / norm;
  const original = v.clone();
  let second: BatchGradients;
  try {
    tf.tidy(() => {
      v.assign(tf.add(v, tf.mul(gE, scale)));
    });
    second = pass();
  } finally {
    v.assign(original);
    original.dispose();
  }
  const out = new Map<string, tf.Tensor>();
  // gradient penalty: g + w · (g' − g) / r with r = scale; FGM: g + g'.
  const k = p.kind === 'fgm' ? 1 : p.weight / scale;
  for (const [key, g] of clean.grads) {
    const g2 = second.grads.get(key);
    out.set(
      key,
      g2 === undefined
        ? g.clone()
        : tf.tidy(() => (p.kind === 'fgm' ? tf.add(g, g2) : tf.add(g, tf.mul(tf.sub(g2, g), k)))),
    );
  }
  tf.dispose([...clean.grads.values(), ...second.grads.values()]);
  return out;
}
