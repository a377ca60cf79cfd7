/**
 * The page the browser test loads (bundled by esbuild for the browser, so every @bert4tfjs import resolves
 * to the packages' `browser` entries). It builds the fixture BERT from config.json + model.safetensors
 * fetched from the test's static server, checks `last_hidden_state` against the Hugging Face values on
 * each backend asked for, tokenizes the fixture's texts with WordPiece, and runs a few CoSENT steps. The
 * result goes to `page.__bert4tfjs` for the test to read; nothing is judged here.
 */
import * as tf from '@tensorflow/tfjs';
import {
  cosentLoss,
  fetchFileSource,
  initBrowserBackend,
  parseSafetensors,
  rawToFloat32,
  type BrowserBackendName,
} from '@bert4tfjs/core/browser';
import {
  buildTransformerModel,
  loadTransformerModel,
  runModel,
  type TransformerModel,
} from '@bert4tfjs/models/browser';
import { Tokenizer } from '@bert4tfjs/tokenizers/browser';

/** What the page reports. */
export interface PageReport {
  backends: Array<{
    backend: string;
    renderer?: string;
    software?: boolean;
    threads?: number;
    maxAbsDiff: number;
    shape: number[];
    leakedTensors: number;
  }>;
  tokenizer: { ids: number[][]; expected: number[][] };
  cosent: { losses: number[]; backend: string };
  /** What the path-taking helpers say in a page (they need Node). */
  pathErrors: string[];
  seconds: number;
}

/** The page globals used here (the repository type-checks without the DOM library). */
const page = globalThis as unknown as {
  location: { search: string };
  __bert4tfjs?: { done: boolean; error?: string; report?: PageReport };
};

interface FixtureInputs {
  texts: Array<[string, string | null]>;
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
}

const FIXTURE = '/fixtures/bert/';

async function fetchJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Mean of the token vectors under the attention mask: [B, L, H] -> [B, H]. */
function meanPool(hidden: tf.Tensor, mask: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const m = mask.toFloat().expandDims(2);
    return hidden.mul(m).sum(1).div(m.sum(1).maximum(1)) as tf.Tensor2D;
  });
}

/** A few CoSENT steps on fixed sentence pairs with graded labels: the loss the test expects to go down. */
function cosentSteps(built: TransformerModel, tokenizer: Tokenizer, steps: number): number[] {
  const pairs: Array<[string, string, number]> = [
    ['今天天气很好', '今天天气不错', 1],
    ['我爱北京天安门', '我爱北京', 1],
    ['hello world', 'hello world!', 1],
    ['我是小明', '今天天气很好', 0],
    ['bert4keras is fun', '我爱北京天安门', 0],
    ['hello world', '我是小明', 0],
  ];
  const encode = (texts: string[]) => tokenizer.call(texts, { maxLength: 16, padding: 'longest' });
  const a = encode(pairs.map((p) => p[0]));
  const b = encode(pairs.map((p) => p[1]));
  const labels = tf.tensor1d(pairs.map((p) => p[2]));
  const optimizer = tf.train.adam(1e-3);
  const embed = (batch: ReturnType<typeof encode>): tf.Tensor2D => {
    const feeds: Record<string, tf.Tensor> = {
      input_ids: tf.tensor2d(batch.inputIds, undefined, 'int32'),
      token_type_ids: tf.tensor2d(batch.tokenTypeIds, undefined, 'int32'),
      attention_mask: tf.tensor2d(batch.attentionMask, undefined, 'int32'),
    };
    const outs = built.model.apply(
      built.inputNames.map((n) => feeds[n]),
      { training: false },
    ) as tf.Tensor[];
    const hidden = outs[built.outputNames.indexOf('last_hidden_state')];
    return meanPool(hidden, feeds.attention_mask);
  };
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = optimizer.minimize(
      () => {
        const u = embed(a);
        const v = embed(b);
        const cos = u
          .mul(v)
          .sum(1)
          .div(u.norm(2, 1).mul(v.norm(2, 1)).maximum(1e-12));
        return cosentLoss(labels, cos);
      },
      true,
      built.model.trainableWeights.map((w) => w.read() as tf.Variable),
    ) as tf.Scalar;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  labels.dispose();
  optimizer.dispose();
  return losses;
}

async function run(): Promise<PageReport> {
  const t0 = performance.now();
  const params = new URLSearchParams(page.location.search);
  const backends = (params.get('backends') ?? 'wasm,webgl').split(',') as BrowserBackendName[];
  const inputs = await fetchJson<FixtureInputs>(`${FIXTURE}inputs.json`);
  const expectedBytes = new Uint8Array(await (await fetch(`${FIXTURE}expected.safetensors`)).arrayBuffer());
  const expected = parseSafetensors(expectedBytes, 'expected.safetensors').get('last_hidden_state');
  if (!expected) throw new Error('expected.safetensors has no last_hidden_state');
  const want = rawToFloat32(expected);
  const report: PageReport = {
    backends: [],
    tokenizer: { ids: [], expected: [] },
    cosent: { losses: [], backend: '' },
    pathErrors: [],
    seconds: 0,
  };
  for (const backend of backends) {
    const info = await initBrowserBackend({ backend, wasmPaths: '/wasm/' });
    const before = tf.memory().numTensors;
    const built = await loadTransformerModel(fetchFileSource(FIXTURE), { withPool: true });
    const out = runModel(built, {
      input_ids: inputs.input_ids,
      attention_mask: inputs.attention_mask,
      token_type_ids: inputs.token_type_ids,
    });
    const hidden = out.last_hidden_state;
    report.backends.push({
      ...info,
      maxAbsDiff: maxAbsDiff(await hidden.data(), want),
      shape: hidden.shape,
      leakedTensors: 0,
    });
    for (const t of Object.values(out)) t.dispose();
    built.model.dispose();
    report.backends[report.backends.length - 1].leakedTensors = tf.memory().numTensors - before;
  }

  const vocabText = await (await fetch('/fixtures/tokenizers/bert_wordpiece/vocab.txt')).text();
  const tokenizer = Tokenizer.fromVocabText(vocabText, { where: 'bert_wordpiece/vocab.txt', lowercase: true });
  const length = inputs.input_ids[0].length;
  const ids = inputs.texts.map(([first, second]) => {
    const row = tokenizer.encode(first, second ?? undefined).inputIds;
    return [...row, ...new Array<number>(Math.max(0, length - row.length)).fill(tokenizer.padTokenId)];
  });
  report.tokenizer = { ids, expected: inputs.input_ids };

  const built = await loadTransformerModel(fetchFileSource(FIXTURE), { withPool: true });
  report.cosent = { losses: cosentSteps(built, tokenizer, 5), backend: tf.getBackend() };
  built.model.dispose();
  for (const attempt of [
    () => buildTransformerModel({ configPath: 'model/config.json' }),
    () => Tokenizer.fromVocabFile('model/vocab.txt'),
  ]) {
    try {
      attempt();
      report.pathErrors.push('no error');
    } catch (err) {
      report.pathErrors.push((err as Error).message);
    }
  }
  report.seconds = (performance.now() - t0) / 1000;
  return report;
}

page.__bert4tfjs = { done: false };
run().then(
  (report) => {
    page.__bert4tfjs = { done: true, report };
  },
  (err: unknown) => {
    page.__bert4tfjs = { done: true, error: err instanceof Error ? `${err.message}\n${err.stack}` : String(err) };
  },
);
