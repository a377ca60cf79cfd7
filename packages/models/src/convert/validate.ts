/**
 * Checks a conversion plan against the family before anything is written: builds the model the output
 * config describes (with the heads the planned tensors carry) and matches every weight of its weight map
 * to a planned tensor of the right shape. All problems are reported in one error that names the
 * Hugging Face tensor, the TF variable it should come from, and the shape the model expects.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import { buildTransformerModel } from '../build.ts';
import type { RawConfig } from '../config.ts';
import { getFamily } from '../registry.ts';
import { findWeight } from '../weights.ts';
import type { ConversionPlan } from './plan.ts';

/** What validation found acceptable but worth reporting. */
export interface ValidationReport {
  /** Planned tensors the model does not use (e.g. HF buffers, heads of other tasks). */
  unused: string[];
  /** The heads the model was built with. */
  heads: Record<string, boolean>;
}

/** Validates `plan` against family `model` with `config`; throws one error listing every problem. */
export function validatePlan(model: string, config: RawConfig, plan: ConversionPlan, what: string): ValidationReport {
  const names = plan.tensors.map((t) => t.name);
  const heads = getFamily(model).headsFromTensorNames(names);
  const built = buildTransformerModel({ ...heads, config, model, skipInit: true }); // only shapes matter here
  try {
    const shapes = new Map(plan.tensors.map((t) => [t.name, t.shape]));
    const resolve = (n: string): string | null => {
      if (shapes.has(n)) return n;
      const p = built.prefix;
      if (p && n.startsWith(p) && shapes.has(n.slice(p.length))) return n.slice(p.length);
      if (p && !n.startsWith(p) && shapes.has(p + n)) return p + n;
      return null;
    };
    const used = new Set<string>();
    const problems: string[] = [];
    for (const m of built.weightMap) {
      const expected = findWeight(built.model, m.layer, m.weight).shape as number[];
      const transposed = m.transforms?.some((t) => t.kind === 'transpose');
      const want = transposed ? [...expected].reverse() : expected;
      const name = resolve(m.source);
      const rule = plan.rules.get(m.source);
      const from = rule ? ` (from TF ${[rule.tf, ...(rule.aliases ?? [])].join(' or ')})` : '';
      if (!name) {
        if (!m.optional) problems.push(`missing ${m.source}${from}, shape [${want}]`);
        continue;
      }
      used.add(name);
      const got = shapes.get(name) as number[];
      if (got.join() !== want.join())
        problems.push(`wrong shape for ${name}${from}: [${got}], the model expects [${want}]`);
    }
    if (problems.length) {
      throw new Bert4tfjsError(
        `${what}: the ${model} model its config describes cannot be built from this checkpoint; ${problems.length} problem(s):\n  ${problems.join('\n  ')}`,
        'bad-checkpoint',
      );
    }
    return { unused: names.filter((n) => !used.has(n)), heads };
  } finally {
    // Shared layers (T5's encoder/decoder models) may already be released; the check is done either way.
    try {
      built.model.dispose();
    } catch {
      /* already disposed */
    }
  }
}
