/**
 * `bert4tfjs forward` for GPT-2: every output Hugging Face's `GPT2LMHeadModel` gives, named as in the
 * fixture's expected.json — last_hidden_state, lm_logits, hidden_states.*, attentions.*, and the cache
 * past_key_values.{layer}.{key,value}; given `next_input_ids`, a second call on them with that cache
 * (incremental.*) and one uncached call on the concatenation (full.lm_logits).
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { TransformerModel } from '../family.ts';
import { gpt2Forward } from './forward.ts';

function idMatrix(name: string, value: unknown, width?: number, rows?: number): number[][] {
  if (!Array.isArray(value) || value.length === 0 || value.some((r) => !Array.isArray(r) || r.length === 0)) {
    throw new Bert4tfjsError(`input '${name}' must be a non-empty list of non-empty lists of integers`, 'bad-input');
  }
  const m = value as unknown[][];
  const w = width ?? m[0].length;
  m.forEach((r, i) => {
    if (r.length !== w && width === undefined)
      throw new Bert4tfjsError(`input '${name}' row ${i} has length ${r.length}, row 0 has ${w}`, 'bad-input');
    if (width !== undefined && r.length !== width)
      throw new Bert4tfjsError(`input '${name}' row ${i} has length ${r.length}, expected ${width}`, 'bad-input');
    r.forEach((x, j) => {
      if (!Number.isInteger(x))
        throw new Bert4tfjsError(`input '${name}'[${i}][${j}] = ${JSON.stringify(x)} is not an integer`, 'bad-input');
    });
  });
  if (rows !== undefined && m.length !== rows)
    throw new Bert4tfjsError(`input '${name}' has ${m.length} rows, input_ids has ${rows}`, 'bad-input');
  return m as number[][];
}

const KNOWN_INPUTS = new Set(['input_ids', 'attention_mask', 'next_input_ids']);

/** Runs a GPT-2 on fixture-style inputs; returns the outputs by name (the caller disposes them). */
export function gpt2ForwardOutputs(
  built: TransformerModel,
  inputs: Record<string, unknown>,
): Record<string, tf.Tensor> {
  const unknown = Object.entries(inputs)
    .filter(([k, v]) => !KNOWN_INPUTS.has(k) && Array.isArray(v))
    .map(([k]) => k);
  if (unknown.length) {
    throw new Bert4tfjsError(
      `unknown input(s) ${unknown.join(', ')} for a gpt2 model (expects input_ids, attention_mask, next_input_ids)`,
      'bad-input',
    );
  }
  if (inputs.input_ids === undefined) throw new Bert4tfjsError(`inputs have no 'input_ids'`, 'bad-input');
  const ids = idMatrix('input_ids', inputs.input_ids);
  const mask =
    inputs.attention_mask === undefined
      ? null
      : idMatrix('attention_mask', inputs.attention_mask, ids[0].length, ids.length);
  const next =
    inputs.next_input_ids === undefined
      ? null
      : idMatrix('next_input_ids', inputs.next_input_ids, undefined, ids.length);
  const out: Record<string, tf.Tensor> = {};
  const idsT = tf.tensor2d(ids, undefined, 'int32');
  const maskT = mask ? tf.tensor2d(mask, undefined, 'float32') : null;
  try {
    const first = gpt2Forward(built, idsT, { attentionMask: maskT, outputHiddenStates: true, outputAttentions: true });
    out.last_hidden_state = first.lastHiddenState;
    out.lm_logits = first.logits;
    first.hiddenStates!.forEach((h, i) => {
      out[`hidden_states.${i}`] = h === first.lastHiddenState ? h.clone() : h;
    });
    first.attentions!.forEach((a, i) => {
      out[`attentions.${i}`] = a;
    });
    first.cache.forEach((kv, i) => {
      out[`past_key_values.${i}.key`] = kv.key;
      out[`past_key_values.${i}.value`] = kv.value;
    });
    if (next) {
      const nextT = tf.tensor2d(next, undefined, 'int32');
      try {
        const fullMask = maskT ? tf.concat([maskT, tf.ones([next.length, next[0].length])], 1) : null;
        const inc = gpt2Forward(built, nextT, { past: first.cache, attentionMask: fullMask as tf.Tensor2D | null });
        out['incremental.lm_logits'] = inc.logits;
        out['incremental.last_hidden_state'] = inc.lastHiddenState;
        tf.dispose(inc.cache.flatMap((kv) => [kv.key, kv.value]));
        const allIds = tf.concat([idsT, nextT], 1) as tf.Tensor2D;
        const full = gpt2Forward(built, allIds, { attentionMask: fullMask as tf.Tensor2D | null });
        out['full.lm_logits'] = full.logits;
        tf.dispose([allIds, full.lastHiddenState, ...full.cache.flatMap((kv) => [kv.key, kv.value])]);
        if (fullMask) fullMask.dispose();
      } finally {
        nextT.dispose();
      }
    }
    return out;
  } catch (err) {
    tf.dispose(Object.values(out));
    throw err;
  } finally {
    idsT.dispose();
    maskT?.dispose();
  }
}
