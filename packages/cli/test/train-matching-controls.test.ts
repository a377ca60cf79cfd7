// train-matching's training controls: --seed repeats a run's loss curve (dropout included), a SIGKILLed
// run resumed with --resume ends with the weights of an uninterrupted one, options that do not fit the
// objective are errors saying why, every option lands in summary.json, nothing is left in the OS temp
// folder, and a non-TTY stderr gets one line per evaluation.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WeightDecay, LayerAdaptation, readSafetensors, rawToFloat32 } from '@bert4tfjs/core';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath, REPO_ROOT } from '../../../test/helpers/paths.ts';
import { defaultTrainingControls } from '../src/training/controls.ts';
import { buildOptimizer } from '../src/training/optimizer.ts';
import { runCli, tempDir } from './helpers.ts';

const DATA = join(REPO_ROOT, 'examples', 'data', 'zh-matching');
const QUICK = [
  '--backend',
  'wasm',
  '--config',
  'micro',
  '--epochs',
  '1',
  '--batch-size',
  '8',
  '--limit-train',
  '32',
  '--limit-eval',
  '24',
  '--max-length',
  '32',
  '--evals-per-epoch',
  '2',
];
const files = (split: 'tsv' | 'csv' = 'tsv') => [
  '--train',
  join(DATA, `train.${split}`),
  '--valid',
  join(DATA, `valid.${split}`),
  '--test',
  join(DATA, `test.${split}`),
];
const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));
const stepLosses = (out: string): number[] =>
  readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.event === 'step')
    .map((r) => r.loss);
const weightsOf = (out: string): Map<string, number[]> =>
  new Map([...readSafetensors(join(out, 'model.safetensors'))].map(([k, t]) => [k, [...rawToFloat32(t, k)]]));
const matchingTemps = () => readdirSync(tmpdir()).filter((n) => n.startsWith('b4t-matching-'));

describe('train-matching controls', () => {
  const tmp = tempDir('b4t-tmc-');
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const train = async (name: string, extra: string[], split: 'tsv' | 'csv' = 'tsv') => {
    const out = join(tmp, name);
    const r = await runCli('train-matching', ...QUICK, ...files(split), '--out', out, ...extra);
    return { ...r, out };
  };

  it('--seed repeats the loss curve to 1e-6 with dropout on; another seed changes it', async () => {
    const a = await train('seed-a', ['--seed', '5']);
    const b = await train('seed-b', ['--seed', '5']);
    const c = await train('seed-c', ['--seed', '6']);
    for (const r of [a, b, c]) expect(r.code, r.stderr).toBe(0);
    const [la, lb, lc] = [a, b, c].map((r) => stepLosses(r.out));
    expect(la).toHaveLength(4);
    la.forEach((x, i) => expect(Math.abs(x - lb[i])).toBeLessThan(1e-6));
    expect(Math.max(...la.map((x, i) => Math.abs(x - lc[i])))).toBeGreaterThan(1e-4);
    // Dropout is really on: the micro config has hidden dropout 0.1, so the curve is not the dropout-free one.
    expect(readJson(join(a.out, 'config.json')).hidden_dropout_prob).toBe(0.1);
  });

  it('records every control in summary.json and prints one line per evaluation on a non-TTY stderr', async () => {
    const r = await train('controls', [
      '--optimizer',
      'lamb',
      '--weight-decay',
      '0.02',
      '--schedule',
      'cosine',
      '--warmup',
      '0.25',
      '--clip-norm',
      '1',
      '--ema',
      '0.9',
      '--label-smoothing',
      '0.1',
      '--multi-sample-dropout',
      '2',
      '--save',
      'last',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = readJson(join(r.out, 'summary.json'));
    expect(s.options).toMatchObject({
      optimizer: 'lamb',
      weightDecay: 0.02,
      schedule: 'cosine',
      warmup: 0.25,
      clipNorm: 1,
      ema: 0.9,
      labelSmoothing: 0.1,
      multiSampleDropout: 2,
      gradAccum: 1,
      adversarial: null,
      gradientPenalty: null,
      save: 'last',
      earlyStop: null,
      seed: 42,
    });
    expect(s.saved).toEqual({ which: 'last', step: 4, metric: null });
    // vitest's stderr is not a terminal: a plain line per evaluation (4 steps, 2 evaluations).
    expect(r.stderr.match(/^train-matching: step \d+\/4, [\d.]+ s: valid_accuracy \d\.\d{4} \(best/gm)).toHaveLength(2);
    expect(existsSync(`${r.out}.train-state`)).toBe(false);
  });

  it('--save best writes the weights of the best evaluation; --early-stop stops; summary says which', async () => {
    const r = await train('best', ['--early-stop', '1', '--lr', '1e-9', '--epochs', '3']);
    expect(r.code, r.stderr).toBe(0);
    const s = readJson(join(r.out, 'summary.json'));
    expect(s.saved.which).toBe('best');
    // A learning rate of 1e-9 cannot improve anything: the second evaluation stops the run.
    expect(s.stopped).toMatch(/early stopping: valid_accuracy has not improved for 1 evaluations/);
    expect(s.steps).toBe(4);
    expect(s.saved.step).toBe(2);
    const evals = readFileSync(join(r.out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((x) => x.metrics?.valid_accuracy !== undefined && x.event === 'step');
    expect(s.saved.metric).toBe(Math.max(...evals.map((x) => x.metrics.valid_accuracy)));
    expect(s.valid.accuracy).toBeCloseTo(s.saved.metric, 10);
  });

  it('every optimizer, grad accumulation, imbalance corrections and cross-encoder-cosent train', async () => {
    const runs: [string, string[], 'tsv' | 'csv'][] = [
      ['adam', ['--optimizer', 'adam'], 'tsv'],
      ['adafactor', ['--optimizer', 'adafactor', '--grad-accum', '2'], 'tsv'],
      ['adax', ['--optimizer', 'adax', '--schedule', 'constant'], 'tsv'],
      ['weights', ['--class-weights', 'balanced'], 'tsv'],
      ['adjust', ['--logit-adjust', '1'], 'tsv'],
      ['ce-cosent', ['--objective', 'cross-encoder-cosent'], 'csv'],
      ['fgm', ['--adversarial', 'fgm', '--adv-epsilon', '0.3'], 'tsv'],
      ['gp', ['--objective', 'cosent', '--gradient-penalty', '1'], 'csv'],
    ];
    for (const [name, extra, split] of runs) {
      const r = await train(`opt-${name}`, extra, split);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      const s = readJson(join(r.out, 'summary.json'));
      expect(stepLosses(r.out).every(Number.isFinite), name).toBe(true);
      if (name === 'ce-cosent') {
        expect(readJson(join(r.out, 'config.json')).num_labels).toBe(1);
        expect(Math.abs(s.test.spearman)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('the optimizer decays kernels but not biases or layer-norm weights (adamw and lamb)', () => {
    for (const name of ['adamw', 'lamb'] as const) {
      const { optimizer } = buildOptimizer(defaultTrainingControls({ optimizer: name }), 1e-3, 10);
      let o: unknown = optimizer;
      let decay: WeightDecay | null = null;
      let adapt: LayerAdaptation | null = null;
      while (o) {
        if (o instanceof WeightDecay) decay = o;
        if (o instanceof LayerAdaptation) adapt = o;
        o = (o as { inner?: unknown }).inner;
      }
      expect(decay!.rate).toBe(0.01);
      expect(decay!.decays('Transformer-0-FeedForward/inner_kernel')).toBe(true);
      for (const n of [
        'Transformer-0-FeedForward/inner_bias',
        'Embedding-Norm/gamma',
        'Embedding-Norm/beta',
        'bert.embeddings.LayerNorm.weight',
      ])
        expect(decay!.decays(n), n).toBe(false);
      expect(adapt !== null).toBe(name === 'lamb');
      optimizer.dispose();
    }
  });

  it('options that do not fit are errors saying why; nothing is left in the OS temp folder', async () => {
    const before = matchingTemps().length;
    const cases: [string[], RegExp][] = [
      [
        ['--objective', 'cosent', '--label-smoothing', '0.1'],
        /--label-smoothing: .*the cosent bi-encoder compares sentence vectors/,
      ],
      [['--objective', 'contrastive', '--multi-sample-dropout', '2'], /--multi-sample-dropout: .*has no head/],
      [['--optimizer', 'adam', '--weight-decay', '0.1'], /--weight-decay: plain adam has no decoupled weight decay/],
      [['--class-weights', '1,2', '--logit-adjust', '1'], /give one of them/],
      [['--class-weights', '1,2,3'], /2 classes/],
      [['--optimizer', 'sgd'], /--optimizer must be one of adamw, adam, lamb, adafactor, adax/],
      [['--ema', '1'], /--ema must be in \[0, 1\)/],
      [['--grad-accum', '9'], /--grad-accum 9 is more than the 4 batches/],
      [['--resume'], /--resume: .* holds no checkpoint/],
      [['--adv-epsilon', '1'], /--adv-epsilon sets the FGM perturbation: it needs --adversarial fgm/],
      [['--adversarial', 'fgm', '--gradient-penalty', '1'], /give one of them/],
    ];
    for (const [extra, re] of cases) {
      const r = await train('bad', extra);
      expect(r.code, extra.join(' ')).not.toBe(0);
      expect(r.stderr, extra.join(' ')).toMatch(re);
    }
    // One 0.5 among the 0/1 labels of a TSV names the file and line instead of switching to regression.
    const half = join(tmp, 'half.tsv');
    writeFileSync(
      half,
      `${readFileSync(join(DATA, 'train.tsv'), 'utf8').split('\n').slice(0, 40).join('\n')}\n99\t甲乙\t丙丁\t0.5\n`,
    );
    const r05 = await runCli('train-matching', ...QUICK, '--train', half, '--valid', half, '--out', join(tmp, 'bad'));
    expect(r05.stderr).toMatch(/half\.tsv:41: label 0\.5 is outside the binary schema.*--labels graded/);
    const graded = await train('bad', ['--label-smoothing', '0.1'], 'csv');
    expect(graded.stderr).toMatch(/--label-smoothing: .*graded labels train a regression head/);
    expect(existsSync(join(tmp, 'bad'))).toBe(false);
    expect(existsSync(join(tmp, 'bad.train-state'))).toBe(false);
    expect(matchingTemps().length).toBeLessThanOrEqual(before);
  });

  it('fine-tunes an ALBERT checkpoint', async () => {
    const dir = join(tmp, 'albert');
    mkdirSync(dir);
    for (const f of ['config.json', 'model.safetensors'])
      writeFileSync(join(dir, f), readFileSync(fixturePath('albert', f)));
    // The fixture's embedding has 300 rows: the first 300 WordPiece tokens make its vocabulary.
    const vocab = readFileSync(fixturePath('tokenizers', 'bert_wordpiece', 'vocab.txt'), 'utf8')
      .split('\n')
      .slice(0, 300);
    writeFileSync(join(dir, 'vocab.txt'), `${vocab.join('\n')}\n`);
    const out = join(tmp, 'albert-out');
    const r = await runCli(
      'train-matching',
      ...QUICK.slice(0, 2),
      ...QUICK.slice(4),
      '--model',
      dir,
      ...files(),
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    const cfg = readJson(join(out, 'config.json'));
    expect(cfg.model_type).toBe('albert');
    expect(cfg.architectures).toEqual(['AlbertForSequenceClassification']);
    expect(readJson(join(out, 'summary.json')).init).toMatch(/new: .*Classifier/);
  });
});

describe('train-matching --resume after SIGKILL', () => {
  const tmp = tempDir('b4t-tmk-');
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const RUN = [
    ...QUICK,
    '--limit-train',
    '48',
    '--epochs',
    '2',
    '--evals-per-epoch',
    '3',
    '--ema',
    '0.9',
    '--save',
    'last',
    ...files(),
  ];

  /** Runs the CLI in a child and SIGKILLs it at its `killAt`-th evaluation line; resolves with the lines seen. */
  function runAndKill(out: string, killAt: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [join(REPO_ROOT, 'packages/cli/bin/bert4tfjs.js'), 'train-matching', ...RUN, '--out', out],
        { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let seen = 0;
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        seen = (err.match(/^train-matching: step /gm) ?? []).length;
        if (seen >= killAt) child.kill('SIGKILL');
      });
      child.on('exit', (code, signal) => {
        if (signal === 'SIGKILL') resolve(seen);
        else reject(new Error(`child exited with ${code} before it was killed: ${err.slice(-2000)}`));
      });
    });
  }

  it('continues from the last checkpoint and ends with the weights of an uninterrupted run', async () => {
    const out = join(tmp, 'killed');
    const seen = await runAndKill(out, 3);
    expect(seen).toBeGreaterThanOrEqual(3);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.train-state`)).toBe(true);
    // Starting over by mistake is refused: the interrupted run is named with its checkpoint.
    const again = await runCli('train-matching', ...RUN, '--out', out);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/holds an interrupted run \(checkpoint at step \d+\): pass --resume/);
    // Resuming with other options would not continue the same run.
    const other = await runCli('train-matching', ...RUN, '--seed', '7', '--out', out, '--resume');
    expect(other.stderr).toMatch(/used other options/);
    const resumed = await runCli('train-matching', ...RUN, '--out', out, '--resume');
    expect(resumed.code, resumed.stderr).toBe(0);
    const s = readJson(join(out, 'summary.json'));
    expect(s.resumedFrom).toBeGreaterThan(0);
    expect(s.steps).toBe(12);
    expect(existsSync(`${out}.train-state`)).toBe(false);

    const ref = join(tmp, 'reference');
    const r = await runCli('train-matching', ...RUN, '--out', ref);
    expect(r.code, r.stderr).toBe(0);
    const [wa, wb] = [weightsOf(out), weightsOf(ref)];
    expect([...wa.keys()].sort()).toEqual([...wb.keys()].sort());
    for (const [k, v] of wa) expect(v, k).toEqual(wb.get(k));
    expect(readJson(join(out, 'summary.json')).test).toEqual(readJson(join(ref, 'summary.json')).test);
  }, 240_000);
});
