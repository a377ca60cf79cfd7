/**
 * The checkpoint hook of a family whose reference checkpoints are Hugging Face ones (ELECTRA, RoBERTa):
 * `convert` takes its pytorch_model.bin / safetensors (the tensors keep their names), while an original
 * TensorFlow checkpoint is refused with a message naming the family instead of a wrong guess.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import { withoutHfOnlyKeys } from '../config.ts';
import type { FamilyCheckpoint } from '../family.ts';

/** A {@link FamilyCheckpoint} for Hugging Face formats only; `prefixes` recognise its tensor names. */
export function hfOnlyCheckpoint(
  model: string,
  architecture: string,
  hfPrefix: string,
  prefixes: readonly string[],
): FamilyCheckpoint {
  return {
    models: [model],
    nameRules: () => {
      throw new Bert4tfjsError(
        `${model}: no original TensorFlow name table (its Hugging Face checkpoints are the reference); convert from pytorch_model.bin or model.safetensors, export to safetensors`,
        'unsupported',
      );
    },
    looksLike: (names) => names.some((n) => prefixes.some((p) => n.startsWith(p))),
    configFromOriginal: (found) => found,
    configToOriginal: withoutHfOnlyKeys,
    files: { checkpoint: 'model.ckpt', config: 'config.json' },
    architectures: { [model]: architecture },
    hfPrefix,
  };
}
