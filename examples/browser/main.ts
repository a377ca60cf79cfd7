/**
 * The example page (`pnpm example:browser`): loads a model directory served at /model/ (config.json,
 * model.safetensors, vocab.txt, optional bert4tfjs.json) with the same packages a Node program uses —
 * a bundler picks their browser entries — embeds the sentences typed into the page and lists each one's
 * nearest neighbour by cosine.
 */
import * as tf from '@tensorflow/tfjs';
import { fetchFileSource, initBrowserBackend, type BrowserBackendName } from '@bert4tfjs/core';
import { loadTransformerModel, runModel, type TransformerModel } from '@bert4tfjs/models';
import { Tokenizer } from '@bert4tfjs/tokenizers';

/** The few DOM calls used (the repository type-checks without the DOM library). */
interface El {
  value: string;
  textContent: string | null;
  disabled: boolean;
  innerHTML: string;
  addEventListener(kind: string, f: () => void): void;
}
const doc = (globalThis as unknown as { document: { getElementById(id: string): El } }).document;
const $ = (id: string): El => doc.getElementById(id);

const DEFAULT_SENTENCES = [
  '今天天气很好',
  '今天天气不错',
  '我想买一部新手机',
  '哪里可以买到便宜的手机',
  '这部电影很好看',
  '这个电影非常精彩',
];

let model: TransformerModel | null = null;
let tokenizer: Tokenizer | null = null;
let pooling: 'mean' | 'cls' = 'mean';

async function load(backend: BrowserBackendName): Promise<void> {
  $('go').disabled = true;
  const info = await initBrowserBackend({ backend, wasmPaths: '/wasm/' });
  const files = fetchFileSource('/model/');
  model?.model.dispose();
  model = await loadTransformerModel(files, {});
  tokenizer = Tokenizer.fromVocabText(await files.readText('vocab.txt'), { where: '/model/vocab.txt' });
  if (await files.has('bert4tfjs.json')) {
    const saved = JSON.parse(await files.readText('bert4tfjs.json')) as { pooling?: string };
    if (saved.pooling === 'cls') pooling = 'cls';
  }
  const where = info.renderer ? `${info.backend} on ${info.renderer}` : info.backend;
  $('status').textContent =
    `model: ${model.family}, ${String(model.rawConfig.num_hidden_layers ?? '?')} layers; backend ${where}; pooling ${pooling}`;
  $('go').disabled = false;
}

/** One L2-normalised vector per sentence. */
function embed(sentences: string[]): number[][] {
  if (!model || !tokenizer) throw new Error('the model is not loaded yet');
  const batch = tokenizer.call(sentences, { maxLength: 64, padding: 'longest' });
  const out = runModel(model, {
    input_ids: batch.inputIds,
    token_type_ids: batch.tokenTypeIds,
    attention_mask: batch.attentionMask,
  });
  const vectors = tf.tidy(() => {
    const hidden = out.last_hidden_state;
    const mask = tf.tensor2d(batch.attentionMask).expandDims(2);
    const pooled =
      pooling === 'cls'
        ? hidden.slice([0, 0, 0], [-1, 1, -1]).squeeze([1])
        : hidden.mul(mask).sum(1).div(mask.sum(1).maximum(1));
    return pooled.div(pooled.norm(2, 1, true).maximum(1e-12)).arraySync() as number[][];
  });
  for (const t of Object.values(out)) t.dispose();
  return vectors;
}

function show(): void {
  const sentences = $('sentences')
    .value.split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  if (sentences.length < 2) {
    $('status').textContent = 'type at least two sentences';
    return;
  }
  const t0 = performance.now();
  const v = embed(sentences);
  const ms = performance.now() - t0;
  const esc = (s: string) => s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] as string);
  const rows = sentences.map((s, i) => {
    let best = -1;
    let bestSim = -Infinity;
    v.forEach((u, j) => {
      if (j === i) return;
      const sim = u.reduce((acc, x, k) => acc + x * v[i][k], 0);
      if (sim > bestSim) [best, bestSim] = [j, sim];
    });
    return `<tr><td>${esc(s)}</td><td>${esc(sentences[best])}</td><td>${bestSim.toFixed(3)}</td></tr>`;
  });
  $('out').innerHTML = `<tr><th>sentence</th><th>nearest neighbour</th><th>cosine</th></tr>${rows.join('')}`;
  $('status').textContent = `${sentences.length} sentences embedded in ${ms.toFixed(0)} ms`;
}

$('sentences').value = DEFAULT_SENTENCES.join('\n');
$('go').addEventListener('click', show);
$('backend').addEventListener('change', () => {
  load($('backend').value as BrowserBackendName).catch((e: Error) => {
    $('status').textContent = `error: ${e.message}`;
  });
});
load('wasm').then(show, (e: Error) => {
  $('status').textContent = `error: ${e.message}`;
});
