/**
 * User dictionaries and addWord: words come out whole, malformed lines are reported with file and line.
 * Expected segmentations come from cases.json variant (a) (python jieba with its own dict.txt), which we
 * rebuild from nodejieba's dictionary plus the lines dict_diff_python_vs_nodejieba.txt says it lacks.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { JiebaSegmenter, nodejiebaDictFiles, parseUserDict } from '../src/jieba/index.ts';
import { TokenizerError } from '../src/wordpiece/errors.ts';

interface Case {
  text: string;
  hmm_false: string[];
  hmm_true: string[];
}
const results = (
  JSON.parse(readFileSync(fixturePath('tokenizers', 'jieba', 'cases.json'), 'utf8')) as {
    results: Record<'python_default_dict' | 'python_with_nodejieba_dict', Case[]>;
  }
).results;
const diffLines = readFileSync(fixturePath('tokenizers', 'jieba', 'dict_diff_python_vs_nodejieba.txt'), 'utf8').split(
  '\n',
);
/** Lines python's dict.txt has and nodejieba's lacks ("-word freq tag"), and the reverse ("+..."). */
const onlyPython = diffLines.filter((l) => /^-[^-]/.test(l)).map((l) => l.slice(1));
const onlyNodejieba = diffLines.filter((l) => /^\+[^+]/.test(l)).map((l) => l.slice(1).split(' ')[0]);

const dir = mkdtempSync(join(tmpdir(), 'jieba-test-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('user dictionary', () => {
  it('turns nodejieba dict into python dict.txt: HMM-off output matches variant (a) on 60/60', () => {
    expect(onlyPython.length).toBeGreaterThan(60);
    const seg = new JiebaSegmenter({
      userDictPaths: [file('python-extra.txt', `\ufeff${onlyPython.join('\n')}\n`)],
    });
    for (const w of onlyNodejieba) seg.deleteWord(w);
    for (const c of results.python_default_dict) expect(seg.cut(c.text)).toEqual(c.hmm_false);
    expect(seg.tagOf('小S')).toBe('nr');
  });

  it('a user-dictionary word comes out whole (with and without freq/tag)', () => {
    const c = results.python_default_dict.find((x) => x.text === '江南style很流行')!;
    expect(c.hmm_false[0]).toBe('江南style');
    const bare = new JiebaSegmenter({ userDictPaths: [] });
    expect(bare.cut(c.text)).toEqual(results.python_with_nodejieba_dict.find((x) => x.text === c.text)!.hmm_false);
    for (const line of ['江南style', '江南style 3', '江南style n', '江南style 3 n']) {
      const seg = new JiebaSegmenter({ userDictPaths: [file('one.txt', `${line}\n`)] });
      expect(seg.cut(c.text)).toEqual(c.hmm_false);
      expect(seg.cut(c.text, { hmm: true })).toEqual(c.hmm_true);
    }
  });

  it('addWord keeps a word whole; without freq it suggests one just high enough', () => {
    const c = results.python_default_dict.find((x) => x.text === '他来到了网易杭研大厦')!;
    const seg = new JiebaSegmenter();
    expect(seg.cut(c.text)).toEqual(c.hmm_false);
    expect(seg.cut(c.text)).not.toContain('杭研');
    seg.addWord('杭研');
    expect(seg.freq('杭研')).toBeGreaterThan(0);
    // With 杭研 known, the dictionary route alone finds what python's HMM found.
    expect(seg.cut(c.text)).toEqual(c.hmm_true);
    // Another segmenter shares the cached main dictionary but not this addition.
    expect(new JiebaSegmenter().freq('杭研')).toBeUndefined();
  });

  it('deleteWord splits a word, also under the HMM', () => {
    const seg = new JiebaSegmenter();
    seg.deleteWord('蓝翔');
    expect(seg.freq('蓝翔')).toBe(0);
    expect(seg.cut('蓝翔技校', { hmm: true })).toEqual(['蓝', '翔', '技校']);
  });
});

describe('bad input', () => {
  it('malformed user-dict line: error names file and line', () => {
    const path = file('bad.txt', '云计算\n\n区块链 1.5 nz\n');
    expect(() => new JiebaSegmenter({ userDictPaths: [path] })).toThrow(TokenizerError);
    expect(() => new JiebaSegmenter({ userDictPaths: [path] })).toThrow(`${path} at line 3`);
    expect(() => parseUserDict('a 1 n x\n', 'mem.txt')).toThrow(/mem\.txt at line 1.*word \[freq\] \[tag\]/);
    expect(() => parseUserDict('a n 1\n', 'mem.txt')).toThrow(TokenizerError);
  });

  it('parses the well-formed shapes', () => {
    expect(parseUserDict('\ufeff云计算\n蓝翔 nz\r\n区块链 10 nz\n\n  x 0  \n', 'mem')).toEqual([
      { word: '云计算', freq: undefined, tag: undefined, line: 1 },
      { word: '蓝翔', freq: undefined, tag: 'nz', line: 2 },
      { word: '区块链', freq: 10, tag: 'nz', line: 3 },
      { word: 'x', freq: 0, tag: undefined, line: 5 },
    ]);
  });

  it('malformed main dictionary line: error names file and line', () => {
    const path = file('dict.txt', '我 10 r\n来到 5 v\n北京\n');
    expect(() => new JiebaSegmenter({ dictPath: path, userDictPaths: [] })).toThrow(`${path} at line 3`);
  });

  it('missing files and bad arguments', () => {
    expect(() => new JiebaSegmenter({ userDictPaths: [join(dir, 'nope.txt')] })).toThrow(
      /cannot read jieba user dictionary .*nope\.txt/,
    );
    expect(() => new JiebaSegmenter({ dictPath: join(dir, 'nope.dict') })).toThrow(TokenizerError);
    const seg = new JiebaSegmenter({ userDictPaths: [] });
    expect(() => seg.addWord('')).toThrow(/"word" must be a non-empty string/);
    expect(() => seg.addWord('词', -1)).toThrow(/"freq" must be a non-negative integer/);
    expect(() => seg.addWord('词', 1.5)).toThrow(TokenizerError);
    expect(() => seg.cut('你好', { hmm: 'yes' as unknown as boolean })).toThrow(/"hmm" must be a boolean/);
  });

  it('malformed HMM model: error names the file, raised on the first HMM cut', () => {
    const path = file('hmm.txt', '#start\n-0.26 -3.14e+100 -3.14e+100\n');
    const seg = new JiebaSegmenter({ userDictPaths: [], hmmModelPath: path });
    expect(seg.cut('李萍进了')).toEqual(['李', '萍', '进', '了']);
    expect(() => seg.cut('李萍进了', { hmm: true })).toThrow(`HMM model ${path}`);
  });

  it('finds nodejieba dictionary files', () => {
    const files = nodejiebaDictFiles();
    expect(readFileSync(files.userDict, 'utf8')).toContain('区块链 10 nz');
    expect(files.dict.endsWith('jieba.dict.utf8')).toBe(true);
  });

  it('a custom main dictionary is used instead of nodejieba', () => {
    const path = file('small.txt', '我 10 r\n来到 5 v\n北京 8 ns\n清华大学 3 nt\n清华 2 nt\n');
    // No userDictPaths: a custom main dictionary comes without nodejieba's user dictionary.
    const seg = new JiebaSegmenter({ dictPath: path });
    expect(seg.total).toBe(28);
    expect(seg.freq('云计算')).toBeUndefined();
    expect(seg.cut('我来到北京清华大学')).toEqual(results.python_default_dict[0].hmm_false);
  });
});
