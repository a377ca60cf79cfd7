/**
 * A small deterministic synthetic Chinese NER set (no labelled NER data is bundled): person, city and
 * organisation names from short lists put into sentence templates, as span rows
 * `{"text", "entities": [{"start", "end", "type"}]}` (character offsets, end exclusive) or BIO rows.
 * Some names are ambiguous on purpose (长安 is a city and part of 长安汽车, 北京 part of 北京大学), so
 * context matters; it remains synthetic and far easier than real text.
 */
import { mulberry32 } from '@bert4tfjs/core';

/** Entity names by type. */
export const NER_NAMES: Record<string, string[]> = {
  PER: ['张伟', '王芳', '李娜', '刘洋', '陈静', '杨磊', '赵敏', '黄强', '周杰', '吴婷'],
  LOC: ['北京', '上海', '广州', '深圳', '杭州', '成都', '武汉', '南京', '西安', '长安'],
  ORG: ['华为', '腾讯', '阿里巴巴', '清华大学', '人民银行', '长安汽车', '中国移动', '北京大学', '小米', '新华社'],
};

/** Templates: {PER}, {LOC}, {ORG} are slots; the rest is context. */
const TEMPLATES = [
  '{PER}昨天去了{LOC}。',
  '{PER}在{ORG}工作了三年。',
  '{ORG}总部位于{LOC}。',
  '听说{PER}和{PER}下周要去{LOC}开会。',
  '{LOC}的天气今天很好。',
  '{ORG}宣布{PER}出任新的负责人。',
  '我们明天从{LOC}出发去{LOC}。',
  '记者从{ORG}获悉，{LOC}将举办展会。',
  '{PER}说{ORG}的产品很好用。',
  '今天没有什么新闻。',
];

/** One span row. */
export interface SyntheticNerRow {
  text: string;
  entities: Array<{ start: number; end: number; type: string }>;
}

/** `n` span rows from `seed`. */
export function generateNerRows(n: number, seed: number): SyntheticNerRow[] {
  const next = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[next() % xs.length];
  return Array.from({ length: n }, () => {
    const template = pick(TEMPLATES);
    let text = '';
    const entities: SyntheticNerRow['entities'] = [];
    for (const part of template.split(/(\{[A-Z]+\})/)) {
      const slot = /^\{([A-Z]+)\}$/.exec(part);
      if (!slot) {
        text += part;
        continue;
      }
      const name = pick(NER_NAMES[slot[1]]);
      const start = [...text].length;
      text += name;
      entities.push({ start, end: start + [...name].length, type: slot[1] });
    }
    return { text, entities };
  });
}

/** A span row as a BIO row (one token per character). */
export function toBioRow(row: SyntheticNerRow): { tokens: string[]; tags: string[] } {
  const tokens = [...row.text];
  const tags = tokens.map(() => 'O');
  for (const e of row.entities)
    for (let i = e.start; i < e.end; i++) tags[i] = `${i === e.start ? 'B' : 'I'}-${e.type}`;
  return { tokens, tags };
}
