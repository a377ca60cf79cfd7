// `bert4tfjs generate` on the GPT-2 fixture weights with a byte-level vocabulary: greedy output equals
// the library's uncached greedy decoding of the same prompt ids; seeded sampling reproduces and seeds
// differ; beam search runs; every bad flag is refused with one line naming it, before a model loads.
import { rmSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gpt2Generator, loadModelDir } from '@bert4tfjs/models';
import { ByteLevelBpeTokenizer } from '@bert4tfjs/tokenizers';
import { makeBertModelDir, runCli, tempDir } from './helpers.ts';
import { makeGpt2ModelDir } from './gpt2-model-dir.ts';

const PROMPT = 'Power, give me more power!';

describe('bert4tfjs generate', () => {
  const tmp = tempDir();
  const model = makeGpt2ModelDir(tmp);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const run = async (...flags: string[]) => {
    const r = await runCli(
      'generate',
      '--model',
      model,
      '--prompt',
      PROMPT,
      '--backend',
      'cpu',
      '-q',
      '--json',
      ...flags,
    );
    return { ...r, out: r.code === 0 ? JSON.parse(r.stdout) : null };
  };

  it('greedy: the ids of uncached greedy decoding, decoded with the prompt', async () => {
    const r = await run('--max-new-tokens', '8');
    expect(r.code, r.stderr).toBe(0);
    const tok = ByteLevelBpeTokenizer.fromDir(model);
    const ids = tok.encode(PROMPT);
    expect(r.out.prompt_ids).toEqual(ids);
    const built = loadModelDir(model);
    // The model has 300 ids, the vocabulary 264: generation keeps to ids that have text.
    const known = Array.from({ length: 264 }, (_, i) => i);
    const [want] = await gpt2Generator(built, [ids], { cache: false })
      .decoder({ maxNewTokens: 8 })
      .greedy({ constraint: { allowedNext: () => known } });
    built.model.dispose();
    expect(r.out.new_ids).toEqual(want.tokens);
    expect(r.out.score).toBeCloseTo(want.score, 4);
    expect(r.out.text).toBe(tok.decode([...ids, ...want.tokens]));
    expect(r.out.text.startsWith(PROMPT)).toBe(true);
    expect(r.out.new_ids.every((id: number) => id < 264)).toBe(true);
    // Without --json the text alone is printed.
    const plain = await runCli(
      'generate',
      '--model',
      model,
      '--prompt',
      PROMPT,
      '--max-new-tokens',
      '8',
      '-q',
      '--backend',
      'cpu',
    );
    expect(plain.stdout).toBe(`${r.out.text}\n`);
  });

  it('seeded sampling reproduces; another seed gives another text', async () => {
    const flags = [
      '--strategy',
      'sample',
      '--max-new-tokens',
      '12',
      '--top-k',
      '50',
      '--top-p',
      '0.95',
      '--temperature',
      '1.5',
    ];
    const a = await run(...flags, '--seed', '1');
    const b = await run(...flags, '--seed', '1');
    const c = await run(...flags, '--seed', '2');
    expect(a.code, a.stderr).toBe(0);
    expect(b.out.new_ids).toEqual(a.out.new_ids);
    expect(c.out.new_ids).not.toEqual(a.out.new_ids);
  });

  it('beam search returns one hypothesis no longer than --max-new-tokens', async () => {
    const r = await run('--strategy', 'beam', '--beams', '3', '--max-new-tokens', '6');
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.new_ids.length).toBeLessThanOrEqual(6);
    expect(r.out.finished || r.out.new_ids.length === 6).toBe(true);
  });

  it.each([
    [['--strategy', 'nucleus'], /--strategy: expected one of greedy, sample, beam, got 'nucleus'/],
    [['--top-k', '5'], /--top-k applies to --strategy sample only \(got --strategy greedy\)/],
    [['--strategy', 'beam', '--seed', '3'], /--seed applies to --strategy sample only/],
    [['--beams', '2'], /--beams applies to --strategy beam only/],
    [['--strategy', 'sample', '--top-p', '1.5'], /--top-p must be in \(0, 1\], got '1.5'/],
    [['--strategy', 'sample', '--temperature', '0'], /--temperature must be > 0, got '0'/],
    [['--strategy', 'sample', '--top-k', 'many'], /--top-k must be an integer >= 1, got 'many'/],
    [['--max-new-tokens', '0'], /--max-new-tokens must be an integer >= 1, got '0'/],
    [['--strategy', 'beam', '--beams', '0'], /--beams must be an integer >= 1, got '0'/],
    [['--max-new-tokens', '100'], /prompt plus 100 new tokens exceeds the model's n_positions 64/],
  ])('refuses %j with one line naming the flag', async (flags, message) => {
    const r = await run(...(flags as string[]));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });

  it('a non-GPT-2 model directory is named', async () => {
    const bert = makeBertModelDir(tmp);
    const r = await runCli('generate', '--model', bert, '--prompt', 'x', '-q', '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/generate needs a decoder-only language model \(gpt2\), this is a 'bert' model/);
  });
});
