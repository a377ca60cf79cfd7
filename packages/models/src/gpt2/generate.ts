/**
 * Generation with a built GPT-2: the prompt runs once per input (its keys/values become the cache), then
 * each step feeds only the tokens the cache lacks. Plugs into core's `AutoRegressiveDecoder` as its step
 * function (greedy, beam search, top-k/top-p sampling, constraints); the cache is a plain array of
 * key/value tensors, which the decoder's default reorder gathers for beams.
 */
import * as tf from '@tensorflow/tfjs';
import { AutoRegressiveDecoder, Bert4tfjsError, type StepFn, type StepOutput } from '@bert4tfjs/core';
import type { TransformerModel } from '../family.ts';
import { cacheLength, gpt2Forward, gpt2Parts, type Gpt2Cache } from './forward.ts';
import type { Gpt2Build } from './model.ts';

/** Options of {@link gpt2Generator}. */
export interface Gpt2GeneratorOptions {
  /** false: run the whole sequence every step, no cache (slow; the reference for the cached path). Default true. */
  cache?: boolean;
}

/** Options of {@link Gpt2Generator.decoder}. */
export interface Gpt2DecoderOptions {
  /** Most new tokens per sequence (end id included). */
  maxNewTokens: number;
  /** Fewest new tokens before the end id may appear. Default 0. */
  minNewTokens?: number;
  /** The id that ends a sequence. Default: the config's `eos_token_id`. */
  endId?: number;
}

/** A step function for `AutoRegressiveDecoder` bound to prompts. */
export interface Gpt2Generator {
  /** How many prompts (pass as `numInputs` to the decoder). */
  readonly numInputs: number;
  /** Tokens per prompt. */
  readonly promptLength: number;
  readonly step: StepFn<Gpt2Cache>;
  /** A decoder over this generator (no start id: the prompt is the context). */
  decoder(options: Gpt2DecoderOptions): AutoRegressiveDecoder<Gpt2Cache>;
}

function checkPrompts(prompts: unknown, vocab: number): number[][] {
  if (!Array.isArray(prompts) || prompts.length === 0 || prompts.some((p) => !Array.isArray(p) || p.length === 0)) {
    throw new Bert4tfjsError('gpt2Generator: prompts must be a non-empty list of non-empty id lists', 'bad-input');
  }
  const rows = prompts as unknown[][];
  rows.forEach((r, i) => {
    if (r.length !== rows[0].length) {
      throw new Bert4tfjsError(
        `gpt2Generator: prompt ${i} has ${r.length} tokens, prompt 0 has ${rows[0].length} (prompts decoded together must have one length)`,
        'bad-input',
      );
    }
    r.forEach((v, j) => {
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= vocab)
        throw new Bert4tfjsError(
          `gpt2Generator: prompt ${i} token ${j} = ${JSON.stringify(v)} is not an id in [0, ${vocab})`,
          'bad-input',
        );
    });
  });
  return rows as number[][];
}

/**
 * Returns the step function that continues `prompts` (one id list each, all one length) with a GPT-2:
 * `const g = gpt2Generator(built, [ids]); const [out] = await g.decoder({ maxNewTokens: 20 }).greedy();`
 */
export function gpt2Generator(
  built: TransformerModel | Gpt2Build,
  prompts: number[][],
  options: Gpt2GeneratorOptions = {},
): Gpt2Generator {
  const parts = gpt2Parts(built, 'gpt2Generator');
  const c = parts.config;
  const rows = checkPrompts(prompts, parts.layers.tokenEmbedding.inputDim);
  const promptLength = rows[0].length;
  const useCache = options.cache ?? true;

  const step: StepFn<Gpt2Cache> = (outputIds, state, inputIndex) => {
    const sequences = outputIds.map((ids, i) => {
      const g = inputIndex[i];
      if (!Number.isInteger(g) || g < 0 || g >= rows.length)
        throw new Bert4tfjsError(`gpt2Generator: inputIndex ${g} is outside [0, ${rows.length})`, 'bad-argument');
      return [...rows[g], ...ids];
    });
    const n = sequences[0].length;
    if (sequences.some((s) => s.length !== n)) {
      throw new Bert4tfjsError('gpt2Generator: every hypothesis must have the same length', 'bad-argument');
    }
    return tf.tidy(() => {
      const past = useCache ? state : null;
      const cached = cacheLength(past);
      if (useCache && past === null) {
        // First step: run each distinct prompt once, then give every hypothesis its prompt's rows.
        const distinct = [...new Set(inputIndex)];
        const ids = tf.tensor2d(
          distinct.map((g) => sequences[inputIndex.indexOf(g)]),
          undefined,
          'int32',
        );
        const out = gpt2Forward(parts, ids, { lastLogitsOnly: true });
        const pick = tf.tensor1d(
          inputIndex.map((g) => distinct.indexOf(g)),
          'int32',
        );
        const logits = tf.reshape(tf.gather(out.logits, pick), [outputIds.length, -1]) as tf.Tensor2D;
        const cache = out.cache.map((kv) => ({
          key: tf.gather(kv.key, pick) as tf.Tensor4D,
          value: tf.gather(kv.value, pick) as tf.Tensor4D,
        }));
        return { logits, state: cache } as unknown as tf.TensorContainer;
      }
      if (cached >= n) {
        throw new Bert4tfjsError(`gpt2Generator: the cache holds ${cached} positions, the sequences ${n}`, 'internal');
      }
      const fresh = tf.tensor2d(
        sequences.map((s) => s.slice(cached)),
        undefined,
        'int32',
      );
      const out = gpt2Forward(parts, fresh, { past, lastLogitsOnly: true });
      const logits = tf.reshape(out.logits, [outputIds.length, -1]) as tf.Tensor2D;
      const result: StepOutput<Gpt2Cache> = { logits };
      if (useCache) result.state = out.cache;
      return result as unknown as tf.TensorContainer;
    }) as unknown as StepOutput<Gpt2Cache>;
  };

  return {
    numInputs: rows.length,
    promptLength,
    step,
    decoder(o) {
      const maxNew = o?.maxNewTokens;
      if (!Number.isInteger(maxNew) || maxNew < 1) {
        throw new Bert4tfjsError(`maxNewTokens must be an integer >= 1, got ${String(maxNew)}`, 'bad-argument');
      }
      // The last generated token is never fed back, so the model sees at most prompt + maxNew - 1 positions.
      if (promptLength + maxNew - 1 > c.nPositions) {
        throw new Bert4tfjsError(
          `a ${promptLength}-token prompt plus ${maxNew} new tokens exceeds the model's n_positions ${c.nPositions}; ask for at most ${c.nPositions - promptLength + 1} new tokens`,
          'too-long',
        );
      }
      return new AutoRegressiveDecoder<Gpt2Cache>({
        startId: null,
        endId: o.endId ?? c.eosTokenId,
        maxLength: maxNew,
        minLength: o.minNewTokens,
        step,
      });
    },
  };
}
