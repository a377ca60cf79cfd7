/**
 * Rebuilds an optimizer chain from the JSON its getConfig() produced (used when a tfjs-layers model is
 * loaded with its optimizer, and for checkpoints that store the optimizer next to the weights).
 */
import { Bert4tfjsError } from '../../errors.ts';
import { Adafactor } from './adafactor.ts';
import { Adam } from './adam.ts';
import { Adax } from './adax.ts';
import { GradientAccumulation } from './accumulation.ts';
import { requireDeltaOptimizer } from './base.ts';
import { ExponentialMovingAverage } from './ema.ts';
import { LayerAdaptation } from './layer-adaptation.ts';
import { Lookahead } from './lookahead.ts';
import { LrMultipliers } from './lr-multipliers.ts';
import { type ScheduleConfig, type ScheduleLike, scheduleFromConfig } from './schedule.ts';
import type { ConfigValue, Optimizer, OptimizerConfig } from './types.ts';
import { WeightDecay } from './weight-decay.ts';

/**
 * An optimizer equivalent to the one whose getConfig() gave `config` (fresh state: restore that with
 * setState). `schedule` replaces a saved schedule, and is required when a custom function was saved.
 */
export function optimizerFromConfig(config: OptimizerConfig, options: { schedule?: ScheduleLike } = {}): Optimizer {
  if (config === null || typeof config !== 'object' || typeof config.kind !== 'string') {
    throw new Bert4tfjsError("optimizerFromConfig: expected an object with a string 'kind'", 'bad-config');
  }
  const { kind, inner, schedule, ...rest } = config;
  const innerOpt = (): Optimizer => optimizerFromConfig(inner as OptimizerConfig, options);
  const base = (): Record<string, unknown> => {
    const out: Record<string, unknown> = dropNulls(rest);
    const sched = options.schedule ?? (schedule ? scheduleFromConfig(schedule as ScheduleConfig) : undefined);
    if (sched !== undefined) out.schedule = sched;
    return out;
  };
  switch (kind) {
    case 'adam':
      return new Adam(base());
    case 'adax':
      return new Adax(base());
    case 'adafactor':
      return new Adafactor(base());
    case 'weightDecay':
      return new WeightDecay(requireDeltaOptimizer(kind, innerOpt()), {
        rate: rest.rate as number,
        exclude: rest.exclude as string[],
      });
    case 'layerAdaptation':
      return new LayerAdaptation(requireDeltaOptimizer(kind, innerOpt()), {
        exclude: rest.exclude as string[],
        epsilon: rest.epsilon as number,
      });
    case 'lrMultipliers':
      return new LrMultipliers(
        requireDeltaOptimizer(kind, innerOpt()),
        Object.fromEntries(rest.multipliers as [string, number][]),
      );
    case 'accumulation':
      return new GradientAccumulation(innerOpt(), rest.steps as number);
    case 'lookahead':
      return new Lookahead(innerOpt(), { k: rest.k as number, alpha: rest.alpha as number });
    case 'ema':
      return new ExponentialMovingAverage(innerOpt(), { decay: rest.decay as number });
    default:
      throw new Bert4tfjsError(
        `optimizerFromConfig: unknown optimizer kind '${kind}'; known: adam, adax, adafactor, weightDecay, ` +
          'layerAdaptation, lrMultipliers, accumulation, lookahead, ema',
        'bad-config',
      );
  }
}

/** Config fields saved as null mean "use the default" (e.g. AdaFactor's relative step). */
function dropNulls(fields: Record<string, ConfigValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null));
}
