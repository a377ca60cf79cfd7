/**
 * Recognises training-only variables (optimizer slots, step counters) by name, so a loader can drop
 * them: a BERT pre-training checkpoint is about two thirds Adam moments.
 */

/** Name endings of optimizer slot variables (TF1 optimizers, google-research/bert's AdamWeightDecay, LAMB, Mesh TF Adafactor). */
const SLOT_SUFFIXES = [
  '/adam_m',
  '/adam_v',
  '/Adam',
  '/Adam_1',
  '/lamb_m',
  '/lamb_v',
  '/Momentum',
  '/RMSProp',
  '/RMSProp_1',
  '/Adagrad',
  '/AdagradDA',
  '/Adadelta',
  '/Adadelta_1',
  '/Ftrl',
  '/Ftrl_1',
  '/accumulator',
  '_slot_v',
  '_slot_vc',
  '_slot_vr',
  '_slot_m',
];

/** Whole names (last path component) of bookkeeping variables. */
const BOOKKEEPING = new Set([
  'global_step',
  'beta1_power',
  'beta2_power',
  'good_steps',
  'current_loss_scale',
  'loss_scale',
]);

/**
 * Whether `name` is an optimizer slot or a training counter rather than a model weight: the suffixes
 * above, `global_step` and Adam's `beta{1,2}_power` (at any scope), and TF2 object-checkpoint slots
 * (`.OPTIMIZER_SLOT/`, `optimizer/…`, `save_counter/…`).
 */
export function isOptimizerSlot(name: string): boolean {
  if (SLOT_SUFFIXES.some((s) => name.endsWith(s))) return true;
  const last = name.slice(name.lastIndexOf('/') + 1);
  if (BOOKKEEPING.has(last)) return true;
  return name.includes('/.OPTIMIZER_SLOT/') || name.startsWith('optimizer/') || name.startsWith('save_counter/');
}
