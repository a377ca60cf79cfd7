/**
 * T5 generation constrained by a prefix tree (bert4keras's "seq2seq + prefix tree" trick): whatever the
 * model scores, decoding can only follow the trie of allowed outputs, so every generated string is one of
 * the given list. Shown on a small randomly initialised T5 (seeded): unconstrained greedy decoding produces
 * strings outside the list, greedy and beam search with the PrefixTree produce only list members. Checked.
 *
 *   node packages/cli/bin/run-ts.js examples/t5-prefix-tree.ts
 */
import { initBackend, PrefixTree, withSeededRandom } from '@bert4tfjs/core';
import { buildTransformerModel, t5Generator } from '@bert4tfjs/models';

const ALPHABET = 'abcdefghij';
const [PAD, EOS] = [0, 1];
const toIds = (s: string) => [...s].map((ch) => ALPHABET.indexOf(ch) + 2);
const toText = (ids: readonly number[]) =>
  ids
    .filter((i) => i > EOS)
    .map((i) => ALPHABET[i - 2])
    .join('');
const ALLOWED = ['abc', 'abd', 'bead', 'cafe', 'deaf', 'jig', 'hijab'];
const INPUTS = ['aaa', 'bbbb', 'cdef', 'ghij', 'jjj', 'face', 'bad', 'egg'];

await initBackend();
const built = withSeededRandom(7, () =>
  buildTransformerModel({
    model: 't5.1.1',
    config: {
      model_type: 't5',
      vocab_size: ALPHABET.length + 2,
      d_model: 32,
      d_kv: 8,
      d_ff: 64,
      num_heads: 4,
      num_layers: 2,
      num_decoder_layers: 2,
      relative_attention_num_buckets: 32,
      relative_attention_max_distance: 64,
      feed_forward_proj: 'gated-gelu',
      tie_word_embeddings: false,
      dropout_rate: 0,
      layer_norm_epsilon: 1e-6,
      pad_token_id: PAD,
      eos_token_id: EOS,
      decoder_start_token_id: PAD,
    },
  }),
);
const width = Math.max(...INPUTS.map((s) => s.length)) + 1;
const rows = INPUTS.map((s) => [...toIds(s), EOS]);
const input_ids = rows.map((r) => [...r, ...new Array(width - r.length).fill(PAD)]);
const attention_mask = rows.map((r) => input_ids[0].map((_, j) => (j < r.length ? 1 : 0)));
const tree = new PrefixTree(ALLOWED.map(toIds), { endId: EOS });

const run = async (mode: 'free' | 'greedy' | 'beam'): Promise<string[]> => {
  const gen = t5Generator(built, { input_ids, attention_mask });
  try {
    const decoder = gen.decoder({ maxLength: 8 });
    const out =
      mode === 'free'
        ? await decoder.greedy(gen.numInputs)
        : mode === 'greedy'
          ? await decoder.greedy({ numInputs: gen.numInputs, constraint: tree })
          : await decoder.beamSearch({ numInputs: gen.numInputs, topK: 3, constraint: tree });
    return out.map((h) => toText(h.tokens));
  } finally {
    gen.dispose();
  }
};

const free = await run('free');
const greedy = await run('greedy');
const beam = await run('beam');
console.log('input   unconstrained  prefix-tree greedy  prefix-tree beam(3)');
INPUTS.forEach((s, i) => console.log(`${s.padEnd(8)}${free[i].padEnd(15)}${greedy[i].padEnd(20)}${beam[i]}`));
const inList = (xs: string[]) => xs.filter((x) => ALLOWED.includes(x)).length;
console.log(
  `in the list: unconstrained ${inList(free)}/${INPUTS.length}, greedy ${inList(greedy)}/${INPUTS.length}, beam ${inList(beam)}/${INPUTS.length}`,
);
if (inList(greedy) !== INPUTS.length || inList(beam) !== INPUTS.length)
  throw new Error('a constrained output is not in the allowed list');
console.log(`checked: every constrained output is one of the ${ALLOWED.length} allowed strings`);
built.model.dispose();
