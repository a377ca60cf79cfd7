// Matching files in the formats users bring (PAWS-X TSV with bare quotes, STS-B CSV with CRLF and
// quoted commas), label schemas, and bad lines; plus the bundled generated set's properties.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMatchingFile } from '../src/data/matching-files.ts';
import { BUNDLED_SPLITS, generateMatchingPairs } from '../src/data/synthetic-zh.ts';
import { REPO_ROOT, sharedAvailable, sharedPath } from '../../../test/helpers/paths.ts';
import { tempDir } from './helpers.ts';

describe('matching files', () => {
  const tmp = tempDir();
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads TSV with a header and bare double quotes, and CSV with CRLF and quoted commas', () => {
    const tsv = join(tmp, 'a.tsv');
    writeFileSync(tsv, 'id\tsentence1\tsentence2\tlabel\n1\t他说"你好"\t他说你好\t1\n2\t甲\t乙\t0\n');
    const d = readMatchingFile(tsv);
    expect(d.schema).toBe('binary');
    expect(d.pairs).toEqual([
      { a: '他说"你好"', b: '他说你好', label: 1, line: 2 },
      { a: '甲', b: '乙', label: 0, line: 3 },
    ]);
    const csv = join(tmp, 'a.csv');
    writeFileSync(csv, '"一,二",三,4.2\r\n四,"五""六",0.0\r\n');
    const c = readMatchingFile(csv);
    expect(c.schema).toBe('graded');
    expect(c.pairs.map((p) => [p.a, p.b, p.label])).toEqual([
      ['一,二', '三', 4.2],
      ['四', '五"六', 0],
    ]);
  });

  it('a malformed line is named, or skipped and counted with onBadLine skip', () => {
    const tsv = join(tmp, 'bad.tsv');
    writeFileSync(tsv, '甲\t乙\t1\n只有一列\n丙\t丁\t0\n');
    expect(() => readMatchingFile(tsv)).toThrow(new RegExp(`${tsv}:2: expected 3 or 4 columns, found 1`));
    const d = readMatchingFile(tsv, { onBadLine: 'skip' });
    expect(d.pairs.length).toBe(2);
    expect(d.skipped).toEqual([{ line: 2, reason: 'expected 3 or 4 columns, found 1' }]);
  });

  it('labels outside the schema and empty files are errors', () => {
    const tsv = join(tmp, 'label.tsv');
    writeFileSync(tsv, '甲\t乙\t1\n丙\t丁\t2\n');
    expect(() => readMatchingFile(tsv, { schema: 'binary' })).toThrow(/:2: label 2 is outside the binary schema/);
    writeFileSync(tsv, '甲\t乙\t7\n');
    expect(() => readMatchingFile(tsv, { schema: 'graded' })).toThrow(/label 7 is outside the graded schema/);
    // One 0.5 among 0/1 labels of a TSV is an error naming the line, not a silent switch to regression.
    writeFileSync(tsv, '甲\t乙\t1\n丙\t丁\t0\n戊\t己\t0.5\n');
    expect(() => readMatchingFile(tsv)).toThrow(
      /label\.tsv:3: label 0\.5 is outside the binary schema.*--labels graded/,
    );
    expect(readMatchingFile(tsv, { schema: 'graded' }).schema).toBe('graded');
    const csv = join(tmp, 'graded.csv');
    writeFileSync(csv, '甲,乙,1\n丙,丁,0.5\n');
    expect(readMatchingFile(csv).schema).toBe('graded');
    const empty = join(tmp, 'empty.tsv');
    writeFileSync(empty, '\n');
    expect(() => readMatchingFile(empty)).toThrow(/data file is empty/);
  });

  it('the bundled files are exactly what the generator produces, with no test pair in train', () => {
    const dir = join(REPO_ROOT, 'examples', 'data', 'zh-matching');
    const train = readMatchingFile(join(dir, 'train.tsv'));
    const test = readMatchingFile(join(dir, 'test.tsv'));
    const graded = readMatchingFile(join(dir, 'test.csv'));
    expect(train.pairs.length).toBe(BUNDLED_SPLITS.train.n);
    const gen = generateMatchingPairs(BUNDLED_SPLITS.train.n, BUNDLED_SPLITS.train.seed);
    expect(train.pairs.map((p) => [p.a, p.b, p.label])).toEqual(gen.map((p) => [p.a, p.b, p.label]));
    const seen = new Set(train.pairs.map((p) => `${p.a}\t${p.b}`));
    expect(test.pairs.some((p) => seen.has(`${p.a}\t${p.b}`))).toBe(false);
    expect(graded.pairs.map((p) => p.a)).toEqual(test.pairs.map((p) => p.a));
    expect(graded.pairs.every((p, i) => (p.label === 5) === (test.pairs[i].label === 1))).toBe(true);
  });

  it.skipIf(!sharedAvailable('data'))('reads the real PAWS-X zh and STS-B zh files', () => {
    const paws = readMatchingFile(sharedPath('data', 'pawsx-zh', 'dev_2k.tsv'));
    expect(paws.pairs.length).toBe(2000);
    expect(paws.pairs.filter((p) => p.label === 1).length).toBe(853);
    const sts = readMatchingFile(sharedPath('data', 'stsb-multi-mt-zh', 'stsb-zh-test.csv'));
    expect(sts.schema).toBe('graded');
    expect(sts.pairs.length).toBe(
      readFileSync(sharedPath('data', 'stsb-multi-mt-zh', 'stsb-zh-test.csv'), 'utf8')
        .split('\r\n')
        .filter((l) => l).length,
    );
  });
});
