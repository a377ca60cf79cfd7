/** One-call helpers over {@link TfCheckpointReader}: list, load one, load many. */
import type { RawTensor } from '../raw-tensor.ts';
import { isOptimizerSlot } from './optimizer-slots.ts';
import { TfCheckpointReader } from './reader.ts';
import type { CheckpointTensor, StringTensor, TfVariableInfo } from './types.ts';

/** Lists a checkpoint's variables (name, dtype, shape), sorted by name like `tf.train.list_variables`. */
export function listVariables(path: string): TfVariableInfo[] {
  const reader = TfCheckpointReader.open(path);
  try {
    return reader.variables();
  } finally {
    reader.close();
  }
}

/** Loads one variable (CRC verified). `path` is a prefix, `.index` file or directory. */
export function loadVariable(path: string, name: string): CheckpointTensor {
  const reader = TfCheckpointReader.open(path);
  try {
    return reader.load(name);
  } finally {
    reader.close();
  }
}

/** Why {@link readTfCheckpoint} left a variable out. */
export interface SkippedVariable {
  name: string;
  reason: 'optimizer-slot' | 'filter';
}

/** Options of {@link readTfCheckpoint}. */
export interface ReadTfCheckpointOptions {
  /** Keep only names this accepts (a predicate or a RegExp tested against the name). */
  filter?: ((name: string) => boolean) | RegExp;
  /** Drop optimizer slots and counters (`…/adam_m`, `…/adam_v`, `global_step`, …; see isOptimizerSlot). */
  skipOptimizerSlots?: boolean;
}

/**
 * The numeric tensors of a checkpoint by name (index order), plus what was left out: `skipped` lists
 * names dropped by the options, `strings` holds DT_STRING tensors (which a RawTensor cannot carry).
 */
export class TfCheckpointTensors extends Map<string, RawTensor> {
  /** Absolute prefix the tensors came from. */
  readonly prefix: string;
  /** Variables dropped by `filter` or `skipOptimizerSlots`. */
  readonly skipped: SkippedVariable[] = [];
  /** DT_STRING tensors that passed the options. */
  readonly strings = new Map<string, StringTensor>();

  constructor(prefix: string) {
    super();
    this.prefix = prefix;
  }
}

/**
 * Reads all variables of a checkpoint (every CRC verified), optionally filtered. Returns a
 * NamedTensors map that also reports skipped names and string tensors.
 */
export function readTfCheckpoint(path: string, options: ReadTfCheckpointOptions = {}): TfCheckpointTensors {
  const { filter, skipOptimizerSlots = false } = options;
  const accept = filter instanceof RegExp ? (n: string) => filter.test(n) : filter;
  const reader = TfCheckpointReader.open(path);
  const out = new TfCheckpointTensors(reader.prefix);
  try {
    for (const name of reader.names) {
      if (skipOptimizerSlots && isOptimizerSlot(name)) {
        out.skipped.push({ name, reason: 'optimizer-slot' });
      } else if (accept && !accept(name)) {
        out.skipped.push({ name, reason: 'filter' });
      } else {
        const t = reader.load(name);
        if (t.dtype === 'STRING') out.strings.set(name, t);
        else out.set(name, t);
      }
    }
  } finally {
    reader.close();
  }
  return out;
}
