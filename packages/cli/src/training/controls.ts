/**
 * The training controls every training command shares (train-matching, train-classify): the flags, their
 * parsing and checks, and the JSON they are recorded as in summary.json. What a control means for one
 * task (which loss label smoothing changes, say) is decided by that task; this file only says what was asked.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { Command } from 'commander';
import { parseFloatOption, parseIntOption } from '../commands/common.ts';

/** Optimizers a training command offers. */
export const OPTIMIZERS = ['adamw', 'adam', 'lamb', 'adafactor', 'adax'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
/** Learning-rate schedules after the warm-up. */
export const SCHEDULES = ['linear', 'cosine', 'constant'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

/** The parsed, checked controls of one run. */
export interface TrainingControls {
  optimizer: OptimizerName;
  /** Decoupled weight decay λ (biases and layer-norm weights excluded). */
  weightDecay: number;
  /** Fraction of the optimizer updates spent warming up, in [0, 1). */
  warmup: number;
  schedule: ScheduleName;
  /** Global gradient-norm clipping, or null. */
  clipNorm: number | null;
  /** EMA decay of the weights (evaluated and saved averaged), or null. */
  ema: number | null;
  labelSmoothing: number;
  /** Batches accumulated into one optimizer update. */
  gradAccum: number;
  /** Dropout samples of the classifier head averaged in the loss (1: off). */
  multiSampleDropout: number;
  /** Per-class loss weights, 'balanced' (inverse frequency), or null. */
  classWeights: number[] | 'balanced' | null;
  /** τ of logit-adjusted cross-entropy, or null. */
  logitAdjust: number | null;
  /** Which weights the output holds: the best on validation or the last. */
  save: 'best' | 'last';
  /** Stop after this many evaluations without improvement, or null. */
  earlyStop: number | null;
  /** Continue from the newest checkpoint of an interrupted run. */
  resume: boolean;
  /** Seed of dropout, data order and initial weights. */
  seed: number;
  /** Adversarial training on the token embedding ('fgm'), or null. */
  adversarial: 'fgm' | null;
  /** FGM's perturbation norm ε. */
  advEpsilon: number;
  /** Weight of the gradient penalty on the token embedding, or null. */
  gradientPenalty: number | null;
}

/** Raw commander values of the shared flags. */
export interface TrainingControlFlags {
  optimizer: string;
  weightDecay?: string;
  warmup: string;
  schedule: string;
  clipNorm?: string;
  ema?: string;
  labelSmoothing?: string;
  gradAccum: string;
  multiSampleDropout: string;
  classWeights?: string;
  logitAdjust?: string;
  save: string;
  earlyStop?: string;
  resume?: boolean;
  seed: string;
  adversarial?: string;
  advEpsilon?: string;
  gradientPenalty?: string;
}

/** Registers the shared flags on `cmd` (help texts say what each does and its default). */
export function addTrainingControlOptions(cmd: Command): Command {
  return cmd
    .option('--optimizer <name>', `${OPTIMIZERS.join(' | ')}`, 'adamw')
    .option(
      '--weight-decay <x>',
      'decoupled weight decay λ, biases and layer-norm weights excluded (default 0.01 with adamw/lamb, else 0)',
    )
    .option('--warmup <fraction>', 'fraction of the updates spent warming the learning rate up from 0', '0.1')
    .option('--schedule <name>', `learning rate after the warm-up: ${SCHEDULES.join(' | ')}`, 'linear')
    .option('--clip-norm <x>', 'clip the global gradient norm to x')
    .option('--ema <decay>', 'exponential moving average of the weights (e.g. 0.999); evaluated and saved averaged')
    .option('--label-smoothing <eps>', 'label smoothing ε of the cross-entropy (classification losses only)')
    .option('--grad-accum <n>', 'batches accumulated into one optimizer update', '1')
    .option('--multi-sample-dropout <k>', 'average the classifier loss over k dropout samples (1: off)', '1')
    .option('--class-weights <w>', "per-class loss weights 'w0,w1,...' or 'balanced' (inverse class frequency)")
    .option('--logit-adjust <tau>', 'logit-adjusted cross-entropy with the training priors (Menon et al. 2021)')
    .option('--save <which>', 'weights written to --out: best (by the validation metric) | last', 'best')
    .option('--early-stop <n>', 'stop after n evaluations without improvement of the validation metric')
    .option('--resume', 'continue an interrupted run from the newest checkpoint in OUT.train-state/')
    .option('--seed <n>', 'seed of dropout, data order and initial weights', '42')
    .option('--adversarial <method>', 'adversarial training on the token embedding: fgm')
    .option('--adv-epsilon <x>', 'norm ε of the FGM perturbation (default 0.5)')
    .option('--gradient-penalty <w>', 'add (w/2)·‖∇ of the loss w.r.t. the token embedding‖² to the loss');
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new Bert4tfjsError(`${flag} must be one of ${allowed.join(', ')}, got '${value}'`, 'bad-argument');
  return value as T;
}

function inRange(flag: string, v: number, lo: number, hi: number, hiOpen = true): number {
  if (!(v >= lo && (hiOpen ? v < hi : v <= hi)))
    throw new Bert4tfjsError(`${flag} must be in [${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${v}`, 'bad-argument');
  return v;
}

function parseClassWeights(raw: string): number[] | 'balanced' {
  if (raw === 'balanced') return raw;
  const ws = raw.split(',').map((x) => Number(x.trim()));
  if (ws.length < 2 || !ws.every((w) => Number.isFinite(w) && w >= 0) || !ws.some((w) => w > 0))
    throw new Bert4tfjsError(
      `--class-weights must be 'balanced' or comma-separated numbers >= 0 (one per class, at least 2), got '${raw}'`,
      'bad-argument',
    );
  return ws;
}

/** Parses and checks the shared flags; every error names its flag and what would fit. */
export function parseTrainingControls(f: TrainingControlFlags): TrainingControls {
  const optimizer = oneOf(f.optimizer, OPTIMIZERS, '--optimizer');
  const decays = optimizer === 'adamw' || optimizer === 'lamb';
  const weightDecay =
    f.weightDecay === undefined ? (decays ? 0.01 : 0) : parseFloatOption(f.weightDecay, '--weight-decay');
  if (weightDecay < 0) throw new Bert4tfjsError(`--weight-decay must be >= 0, got ${weightDecay}`, 'bad-argument');
  if (weightDecay > 0 && optimizer === 'adam')
    throw new Bert4tfjsError(
      '--weight-decay: plain adam has no decoupled weight decay; use --optimizer adamw (Adam with decoupled decay)',
      'bad-argument',
    );
  const positive = (raw: string | undefined, flag: string): number | null => {
    if (raw === undefined) return null;
    const v = parseFloatOption(raw, flag);
    if (!(v > 0)) throw new Bert4tfjsError(`${flag} must be > 0, got ${v}`, 'bad-argument');
    return v;
  };
  const ema = f.ema === undefined ? null : inRange('--ema', parseFloatOption(f.ema, '--ema'), 0, 1);
  const classWeights = f.classWeights === undefined ? null : parseClassWeights(f.classWeights);
  const logitAdjust = f.logitAdjust === undefined ? null : parseFloatOption(f.logitAdjust, '--logit-adjust');
  if (logitAdjust !== null && logitAdjust < 0)
    throw new Bert4tfjsError(`--logit-adjust must be >= 0, got ${logitAdjust}`, 'bad-argument');
  if (classWeights !== null && logitAdjust !== null)
    throw new Bert4tfjsError(
      '--class-weights and --logit-adjust both correct for class imbalance; give one of them',
      'bad-argument',
    );
  const labelSmoothing =
    f.labelSmoothing === undefined
      ? 0
      : inRange('--label-smoothing', parseFloatOption(f.labelSmoothing, '--label-smoothing'), 0, 1);
  if (labelSmoothing > 0 && classWeights !== null)
    throw new Bert4tfjsError(
      '--label-smoothing with --class-weights is not supported (the weighted loss takes hard labels); use --logit-adjust',
      'bad-argument',
    );
  const adversarial = f.adversarial === undefined ? null : oneOf(f.adversarial, ['fgm'] as const, '--adversarial');
  const advEpsilon = parseFloatOption(f.advEpsilon ?? '0.5', '--adv-epsilon');
  if (!(advEpsilon > 0)) throw new Bert4tfjsError(`--adv-epsilon must be > 0, got ${advEpsilon}`, 'bad-argument');
  if (f.advEpsilon !== undefined && adversarial === null)
    throw new Bert4tfjsError('--adv-epsilon sets the FGM perturbation: it needs --adversarial fgm', 'bad-argument');
  const gradientPenalty = positive(f.gradientPenalty, '--gradient-penalty');
  if (adversarial !== null && gradientPenalty !== null)
    throw new Bert4tfjsError(
      '--adversarial and --gradient-penalty both take a second pass on the embedding; give one of them',
      'bad-argument',
    );
  return {
    adversarial,
    advEpsilon,
    gradientPenalty,
    optimizer,
    weightDecay,
    warmup: inRange('--warmup', parseFloatOption(f.warmup, '--warmup'), 0, 1),
    schedule: oneOf(f.schedule, SCHEDULES, '--schedule'),
    clipNorm: positive(f.clipNorm, '--clip-norm'),
    ema,
    labelSmoothing,
    gradAccum: parseIntOption(f.gradAccum, '--grad-accum', 1),
    multiSampleDropout: parseIntOption(f.multiSampleDropout, '--multi-sample-dropout', 1),
    classWeights,
    logitAdjust,
    save: oneOf(f.save, ['best', 'last'] as const, '--save'),
    earlyStop: f.earlyStop === undefined ? null : parseIntOption(f.earlyStop, '--early-stop', 1),
    resume: f.resume === true,
    seed: parseIntOption(f.seed, '--seed'),
  };
}

/** The controls a library caller gets without flags (the CLI defaults). */
export function defaultTrainingControls(overrides: Partial<TrainingControls> = {}): TrainingControls {
  return {
    ...parseTrainingControls({
      optimizer: 'adamw',
      warmup: '0.1',
      schedule: 'linear',
      gradAccum: '1',
      multiSampleDropout: '1',
      save: 'best',
      seed: '42',
    }),
    ...overrides,
  };
}

/**
 * Throws when a control was asked for that the task does not use, saying why; `unsupported` maps a
 * control name to the reason it does not apply.
 */
export function rejectControls(
  c: TrainingControls,
  unsupported: Partial<Record<keyof TrainingControls, string>>,
): void {
  const asked: Partial<Record<keyof TrainingControls, boolean>> = {
    labelSmoothing: c.labelSmoothing > 0,
    multiSampleDropout: c.multiSampleDropout > 1,
    classWeights: c.classWeights !== null,
    logitAdjust: c.logitAdjust !== null,
    ema: c.ema !== null,
    clipNorm: c.clipNorm !== null,
    earlyStop: c.earlyStop !== null,
  };
  const flag: Record<string, string> = {
    labelSmoothing: '--label-smoothing',
    multiSampleDropout: '--multi-sample-dropout',
    classWeights: '--class-weights',
    logitAdjust: '--logit-adjust',
    ema: '--ema',
    clipNorm: '--clip-norm',
    earlyStop: '--early-stop',
  };
  for (const [k, why] of Object.entries(unsupported))
    if (why && asked[k as keyof TrainingControls]) throw new Bert4tfjsError(`${flag[k] ?? k}: ${why}`, 'bad-argument');
}
