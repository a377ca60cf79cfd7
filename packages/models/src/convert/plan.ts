/**
 * A conversion plan: for every output (Hugging Face-named) tensor, its dtype, shape and where its bytes
 * come from — all decided from the source's listing, before any tensor data is read. The plan is what
 * validation checks and what the streaming writer follows.
 */
import { Bert4tfjsError, isOptimizerSlot, type DType, type RawTensor } from '@bert4tfjs/core';
import { castFloat, identityMatrix, isFloat, takeRow, transpose2d } from './tensor-ops.ts';
import type { NameRule, PlanLeftovers, PlannedTensor, TensorInfo } from './types.ts';

/** A plan plus what it leaves out. */
export interface ConversionPlan extends PlanLeftovers {
  tensors: PlannedTensor[];
  /** The rule behind each planned HF name (TF sources only): lets errors name the TF variable. */
  rules: Map<string, NameRule>;
}

/** TF-Hub exports put a `module/` scope before every name. */
function stripModule(name: string): string {
  return name.startsWith('module/') ? name.slice('module/'.length) : name;
}

function outDtype(dtype: DType, target: 'F32' | 'F16' | 'BF16' | undefined): DType {
  return target && isFloat(dtype) ? target : dtype;
}

/** Plans a TF checkpoint's conversion with a family's name table. */
export function planFromTf(rules: NameRule[], listing: TensorInfo[], dtype?: 'F32' | 'F16' | 'BF16'): ConversionPlan {
  const byName = new Map<string, TensorInfo>();
  for (const t of listing) byName.set(stripModule(t.name), t);
  const used = new Set<string>();
  const tensors: PlannedTensor[] = [];
  const ruleMap = new Map<string, NameRule>();
  for (const rule of rules) {
    const found = [rule.tf, ...(rule.aliases ?? [])].map((n) => byName.get(n)).find((t) => t !== undefined);
    ruleMap.set(rule.hf, rule);
    if (!found) {
      if (rule.identityIfAbsent) {
        tensors.push({
          name: rule.hf,
          dtype: dtype ?? 'F32',
          shape: [...rule.identityIfAbsent],
          source: { kind: 'identity' },
        });
      }
      continue;
    }
    used.add(found.name);
    if (found.dtype === 'STRING') continue;
    let shape = found.shape;
    if (rule.row) {
      if (shape[0] !== rule.row.count) {
        throw new Bert4tfjsError(
          `tensor "${found.name}" should stack ${rule.row.count} per-layer rows but has shape [${shape}]`,
          'bad-checkpoint',
        );
      }
      shape = shape.slice(1);
    }
    if (rule.squeeze) {
      if (shape[0] !== 1)
        throw new Bert4tfjsError(
          `tensor "${found.name}" should have a leading axis of size 1 but has shape [${shape}]`,
          'bad-checkpoint',
        );
      shape = shape.slice(1);
    }
    if (rule.transpose) {
      if (shape.length !== 2)
        throw new Bert4tfjsError(
          `tensor "${found.name}" is mapped with a transpose but has shape [${shape}] (expected 2-D)`,
          'bad-checkpoint',
        );
      shape = [shape[1], shape[0]];
    }
    tensors.push({
      name: rule.hf,
      dtype: outDtype(found.dtype, dtype),
      shape,
      source: {
        kind: 'copy',
        name: found.name,
        transpose: rule.transpose,
        row: rule.row?.index,
        squeeze: rule.squeeze,
      },
    });
  }
  const optimizerSlots: string[] = [];
  const unmapped: string[] = [];
  for (const t of listing) {
    if (used.has(t.name)) continue;
    if (isOptimizerSlot(t.name)) optimizerSlots.push(t.name);
    else unmapped.push(t.name);
  }
  return { tensors, rules: ruleMap, optimizerSlots, unmapped };
}

/** Plans a copy of an already Hugging Face-named source (safetensors, .bin): every numeric tensor as is. */
export function planFromHf(listing: TensorInfo[], dtype?: 'F32' | 'F16' | 'BF16'): ConversionPlan {
  const tensors: PlannedTensor[] = [];
  const unmapped: string[] = [];
  for (const t of listing) {
    if (t.dtype === 'STRING') {
      unmapped.push(t.name);
      continue;
    }
    tensors.push({
      name: t.name,
      dtype: outDtype(t.dtype, dtype),
      shape: t.shape,
      source: { kind: 'copy', name: t.name },
    });
  }
  return { tensors, rules: new Map(), optimizerSlots: [], unmapped };
}

/**
 * Produces one planned tensor's bytes from `read` (which returns a source tensor by name). A small cache
 * of the last read keeps stacked per-layer variables from being read once per layer.
 */
export function tensorProducer(read: (name: string) => RawTensor): (p: PlannedTensor) => RawTensor {
  let last: { name: string; t: RawTensor } | null = null;
  return (p) => {
    const target = (isFloat(p.dtype) ? p.dtype : 'F32') as 'F32' | 'F16' | 'BF16';
    if (p.source.kind === 'identity') return identityMatrix(p.shape, target);
    const src = p.source;
    let t = last?.name === src.name ? last.t : read(src.name);
    last = src.row !== undefined ? { name: src.name, t } : null;
    if (src.row !== undefined) t = takeRow(t, src.row, t.shape[0], src.name);
    // Dropping a size-1 axis moves no bytes.
    if (src.squeeze) t = { ...t, shape: t.shape.slice(1) };
    if (src.transpose) t = transpose2d(t, src.name);
    return isFloat(p.dtype) ? castFloat(t, target, src.name) : t;
  };
}
