/**
 * Agreement of JiebaSegmenter with python jieba 0.42.1 (fixtures/tokenizers/jieba/cases.json).
 * Target: variant (c) = python jieba over nodejieba's jieba.dict.utf8 + user.dict.utf8, because that
 * is exactly the dictionary our default segmenter (like nodejieba) loads.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { cut, createJiebaPreTokenizer, getDefaultSegmenter, jiebaCut, JiebaSegmenter } from '../src/jieba/index.ts';
import { TokenizerError } from '../src/wordpiece/errors.ts';

interface Case {
  text: string;
  hmm_false: string[];
  hmm_true: string[];
}

const fixture = JSON.parse(readFileSync(fixturePath('tokenizers', 'jieba', 'cases.json'), 'utf8')) as {
  results: Record<
    'python_default_dict' | 'python_with_nodejieba_dict' | 'python_with_nodejieba_dict_plus_userdict',
    Case[]
  >;
};
const nodejieba = JSON.parse(readFileSync(fixturePath('tokenizers', 'jieba', 'nodejieba_results.json'), 'utf8')) as {
  results: Case[];
};
const withUserDict = fixture.results.python_with_nodejieba_dict_plus_userdict;
const bareDict = fixture.results.python_with_nodejieba_dict;

/**
 * Sentences where we knowingly differ from variant (c), with the reason. Empty: all 60 agree in both
 * modes. (Over 28k extra sentences checked by hand against python jieba, the one HMM-on difference came
 * from nodejieba's hmm_model.utf8 holding python's emission log-probs rounded to 6 decimals.)
 */
const EXPECTED_DIFFERENCES_HMM_OFF: Record<string, string> = {};
const EXPECTED_DIFFERENCES_HMM_ON: Record<string, string> = {};

/** Texts whose segmentation differs from the expected one. */
function differing(cases: Case[], segment: (text: string) => string[], hmm: boolean): string[] {
  return cases
    .filter((c) => JSON.stringify(segment(c.text)) !== JSON.stringify(hmm ? c.hmm_true : c.hmm_false))
    .map((c) => c.text);
}

describe('JiebaSegmenter vs python jieba on nodejieba dict + user dict (variant c)', () => {
  const seg = getDefaultSegmenter();

  it('has 60 fixture sentences', () => {
    expect(withUserDict).toHaveLength(60);
  });

  it('HMM off: >= 59/60, every difference listed', () => {
    const diff = differing(withUserDict, (t) => seg.cut(t), false);
    expect(60 - diff.length).toBeGreaterThanOrEqual(59);
    expect(diff.sort()).toEqual(Object.keys(EXPECTED_DIFFERENCES_HMM_OFF).sort());
  });

  it('HMM on: agreement with python HMM output, every difference listed', () => {
    const diff = differing(withUserDict, (t) => seg.cut(t, { hmm: true }), true);
    expect(diff.sort()).toEqual(Object.keys(EXPECTED_DIFFERENCES_HMM_ON).sort());
  });

  it('beats nodejieba itself (46/60 HMM off): ASCII runs stay whole', () => {
    const own = nodejieba.results.filter(
      (c, i) => JSON.stringify(c.hmm_false) === JSON.stringify(withUserDict[i].hmm_false),
    );
    expect(own.length).toBe(46);
    expect(seg.cut('我买了一部iPhone手机和一台MacBook电脑')).toEqual(withUserDict[15].hmm_false);
    expect(withUserDict[15].hmm_false).toContain('iPhone');
  });

  it('the user dictionary matters: its words come out whole', () => {
    for (const word of ['区块链', '云计算', '韩玉鉴赏', '蓝翔']) {
      expect(withUserDict.some((c) => c.hmm_false.includes(word))).toBe(true);
      expect(withUserDict.filter((c) => c.hmm_false.includes(word)).every((c) => seg.cut(c.text).includes(word))).toBe(
        true,
      );
    }
  });
});

describe('JiebaSegmenter without the user dictionary (variant b)', () => {
  const seg = new JiebaSegmenter({ userDictPaths: [] });

  it('matches python on nodejieba dict alone, 60/60 in both modes', () => {
    expect(differing(bareDict, (t) => seg.cut(t), false)).toEqual([]);
    expect(differing(bareDict, (t) => seg.cut(t, { hmm: true }), true)).toEqual([]);
  });

  it('shares the cached main dictionary: a second segmenter starts instantly', () => {
    const t0 = performance.now();
    const again = new JiebaSegmenter({ userDictPaths: [] });
    expect(performance.now() - t0).toBeLessThan(200);
    expect(again.total).toBe(seg.total);
  });
});

describe('convenience API', () => {
  it('cut() and the pre-tokenizer give python jieba.cut(s, HMM=False) by default', () => {
    const pre = createJiebaPreTokenizer();
    for (const c of withUserDict) {
      expect(cut(c.text)).toEqual(c.hmm_false);
      expect(pre(c.text)).toEqual(c.hmm_false);
    }
    expect(jiebaCut(withUserDict[15].text)).toEqual(withUserDict[15].hmm_false);
  });

  it('HMM on through both', () => {
    const pre = createJiebaPreTokenizer({ hmm: true });
    for (const c of withUserDict.slice(0, 20)) {
      expect(cut(c.text, { hmm: true })).toEqual(c.hmm_true);
      expect(pre(c.text)).toEqual(c.hmm_true);
    }
  });

  it('pre-tokenizer with dictionary options builds its own segmenter', () => {
    const pre = createJiebaPreTokenizer({ userDictPaths: [] });
    const c = bareDict.find((x) => x.text === '区块链和云计算是热门技术')!;
    expect(pre(c.text)).toEqual(c.hmm_false);
    expect(pre(c.text)).not.toEqual(cut(c.text));
  });

  it('rejects a non-string text', () => {
    expect(() => cut(42 as unknown as string)).toThrow(TokenizerError);
    expect(() => cut(42 as unknown as string)).toThrow(/"text" must be a string/);
  });
});
