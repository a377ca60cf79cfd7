/**
 * A small deterministic synthetic Chinese topic-classification set (no labelled classification data is
 * bundled): each text mixes topic words of its label(s) with shared filler words, so a model must learn
 * which characters carry the topic. Single-label rows `{"text","label"}`; multi-label rows
 * `{"text","labels":[...]}` mixing one or two topics.
 */
import { mulberry32 } from '@bert4tfjs/core';

/** Topic words by label. */
export const TOPICS: Record<string, string[]> = {
  sports: ['足球', '比赛', '球队', '冠军', '进球', '教练', '联赛', '球员'],
  finance: ['股票', '银行', '利率', '市场', '投资', '基金', '债券', '汇率'],
  tech: ['芯片', '软件', '手机', '网络', '算法', '电脑', '程序', '数据'],
  travel: ['旅游', '酒店', '机票', '景点', '护照', '海滩', '导游', '行李'],
};
const FILLER = ['今天', '我们', '听说', '最近', '大家', '关于', '非常', '一些', '还是', '已经', '觉得', '新闻'];

/** `n` examples from `seed`; multi-label rows carry one or two topics. */
export function generateClassifyRows(
  n: number,
  seed: number,
  multiLabel = false,
): Array<{ text: string; label?: string; labels?: string[] }> {
  const next = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[next() % xs.length];
  const names = Object.keys(TOPICS);
  return Array.from({ length: n }, () => {
    const first = pick(names);
    const second = multiLabel && next() % 2 === 0 ? pick(names.filter((x) => x !== first)) : null;
    const labels = second ? [first, second] : [first];
    const words: string[] = [];
    for (let i = 0; i < 5; i++) words.push(pick(FILLER));
    for (const l of labels) for (let i = 0; i < 2; i++) words.splice(next() % (words.length + 1), 0, pick(TOPICS[l]));
    const text = words.join('');
    return multiLabel ? { text, labels: labels.sort() } : { text, label: first };
  });
}
