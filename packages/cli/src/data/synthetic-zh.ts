/**
 * A small Chinese sentence-matching set generated deterministically by our own code, so the README's
 * main job runs on data the repository carries. Pairs follow PAWS's spirit: paraphrases are written in
 * different words (synonyms, other word order), while most non-paraphrases keep the same words but change
 * one slot (a city, a person, an object, the direction of a trip) — so word overlap alone does not solve it.
 * Each pair also gets a graded 0-5 score: 5 for a paraphrase, lower the more slots differ.
 */
import { seededUniform } from '@bert4tfjs/core';

/** The seeded PRNG behind the bundled data: same seed, same data on every machine. */
export const seededRandom = seededUniform;

const PEOPLE = ['张伟', '李娜', '王芳', '刘洋', '陈静', '杨磊', '赵敏', '黄强', '周杰', '吴丽', '徐明', '孙红'];
const CITIES = ['北京', '上海', '广州', '深圳', '杭州', '成都', '武汉', '西安', '南京', '重庆', '天津', '苏州'];
const OBJECTS: Array<[string, string]> = [
  ['手机', '部'],
  ['电脑', '台'],
  ['自行车', '辆'],
  ['相机', '台'],
  ['手表', '块'],
  ['耳机', '副'],
  ['外套', '件'],
  ['冰箱', '台'],
];
const TIMES: Array<[string, string]> = [
  ['今天', '今日'],
  ['明天', '明日'],
  ['周末', '这个周末'],
  ['下个月', '下月'],
  ['昨天', '昨日'],
];
const DOCS: Array<[string, string]> = [
  ['护照', '护照'],
  ['身份证', '居民身份证'],
  ['驾照', '驾驶证'],
  ['社保卡', '社会保障卡'],
];

/** Slots of one meaning; a paraphrase keeps them all, a non-paraphrase changes some. */
interface Slots {
  p: number;
  q: number;
  c1: number;
  c2: number;
  o: number;
  t: number;
  d: number;
}

/** A template family: surface forms that all say the same thing about the same slots. */
interface Template {
  slots: Array<keyof Slots>;
  forms: Array<(s: Slots, r: () => number) => string>;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const time = (s: Slots, r: () => number) => pick(r, TIMES[s.t]);

const TEMPLATES: Template[] = [
  {
    slots: ['p', 't', 'o'],
    forms: [
      (s, r) => `${PEOPLE[s.p]}${time(s, r)}想买一${OBJECTS[s.o][1]}${OBJECTS[s.o][0]}`,
      (s, r) => `${time(s, r)}${PEOPLE[s.p]}打算购买一${OBJECTS[s.o][1]}新${OBJECTS[s.o][0]}`,
      (s, r) => `${PEOPLE[s.p]}准备在${time(s, r)}入手${OBJECTS[s.o][0]}`,
    ],
  },
  {
    slots: ['p', 't', 'c1'],
    forms: [
      (s, r) => `${PEOPLE[s.p]}${time(s, r)}要去${CITIES[s.c1]}出差`,
      (s, r) => `${time(s, r)}${PEOPLE[s.p]}将前往${CITIES[s.c1]}出差`,
      (s, r) => `${PEOPLE[s.p]}${time(s, r)}会到${CITIES[s.c1]}办公事`,
    ],
  },
  {
    slots: ['c1', 'c2'],
    forms: [
      (s) => `从${CITIES[s.c1]}到${CITIES[s.c2]}坐高铁要多久`,
      (s) => `${CITIES[s.c1]}去${CITIES[s.c2]}的高铁需要多长时间`,
      (s) => `乘高铁由${CITIES[s.c1]}前往${CITIES[s.c2]}得花多少时间`,
    ],
  },
  {
    slots: ['p', 'o'],
    forms: [
      (s) => `${PEOPLE[s.p]}的${OBJECTS[s.o][0]}坏了，怎么修`,
      (s) => `${PEOPLE[s.p]}的${OBJECTS[s.o][0]}出故障了，该如何维修`,
      (s) => `怎样修好${PEOPLE[s.p]}那${OBJECTS[s.o][1]}坏掉的${OBJECTS[s.o][0]}`,
    ],
  },
  {
    slots: ['c1', 'd'],
    forms: [
      (s, r) => `在${CITIES[s.c1]}怎么办理${pick(r, DOCS[s.d])}`,
      (s, r) => `如何在${CITIES[s.c1]}申请${pick(r, DOCS[s.d])}`,
      (s, r) => `${CITIES[s.c1]}的${pick(r, DOCS[s.d])}去哪里办`,
    ],
  },
  {
    slots: ['p', 'q', 'c1'],
    forms: [
      (s) => `${PEOPLE[s.p]}和${PEOPLE[s.q]}一起去${CITIES[s.c1]}旅游`,
      (s) => `${PEOPLE[s.p]}与${PEOPLE[s.q]}结伴前往${CITIES[s.c1]}游玩`,
      (s) => `${PEOPLE[s.q]}跟${PEOPLE[s.p]}打算一同到${CITIES[s.c1]}玩`,
    ],
  },
];

const SLOT_SIZES: Record<keyof Slots, number> = {
  p: PEOPLE.length,
  q: PEOPLE.length,
  c1: CITIES.length,
  c2: CITIES.length,
  o: OBJECTS.length,
  t: TIMES.length,
  d: DOCS.length,
};

function randomSlots(r: () => number): Slots {
  const s = { p: 0, q: 0, c1: 0, c2: 0, o: 0, t: 0, d: 0 };
  for (const k of Object.keys(s) as Array<keyof Slots>) s[k] = Math.floor(r() * SLOT_SIZES[k]);
  if (s.q === s.p) s.q = (s.p + 1) % PEOPLE.length;
  if (s.c2 === s.c1) s.c2 = (s.c1 + 1) % CITIES.length;
  return s;
}

/** A generated pair: binary label (paraphrase or not) and graded score 0-5. */
export interface SyntheticPair {
  a: string;
  b: string;
  label: 0 | 1;
  score: number;
}

/** Generates `n` pairs from `seed`: about 45% paraphrases, 45% one- or two-slot changes, 10% unrelated. */
export function generateMatchingPairs(n: number, seed: number): SyntheticPair[] {
  const r = seededRandom(seed);
  const out: SyntheticPair[] = [];
  while (out.length < n) {
    const ti = Math.floor(r() * TEMPLATES.length);
    const t = TEMPLATES[ti];
    const s = randomSlots(r);
    const fa = Math.floor(r() * t.forms.length);
    const u = r();
    if (u < 0.45) {
      // Paraphrase: another surface form of the same slots.
      const fb = (fa + 1 + Math.floor(r() * (t.forms.length - 1))) % t.forms.length;
      out.push({ a: t.forms[fa](s, r), b: t.forms[fb](s, r), label: 1, score: 5 });
    } else if (u < 0.9) {
      // Same words, changed meaning: change 1 (mostly) or 2 slots; for trips, sometimes swap the direction.
      const s2 = { ...s };
      let changed = 0;
      if (ti === 2 && r() < 0.4) {
        [s2.c1, s2.c2] = [s.c2, s.c1];
        changed = 1;
      } else {
        const howMany = r() < 0.75 ? 1 : Math.min(2, t.slots.length);
        const order = [...t.slots].sort(() => r() - 0.5).slice(0, howMany);
        for (const k of order) {
          s2[k] = (s[k] + 1 + Math.floor(r() * (SLOT_SIZES[k] - 1))) % SLOT_SIZES[k];
          changed++;
        }
        if (s2.q === s2.p || s2.c1 === s2.c2) continue;
      }
      const fb = r() < 0.6 ? fa : Math.floor(r() * t.forms.length);
      const score = Math.round(5 * (1 - changed / (t.slots.length + 1)) * 10) / 10 - 1;
      out.push({ a: t.forms[fa](s, r), b: t.forms[fb](s2, r), label: 0, score: Math.max(0.4, score) });
    } else {
      // Unrelated: another template altogether.
      const t2 = TEMPLATES[(ti + 1 + Math.floor(r() * (TEMPLATES.length - 1))) % TEMPLATES.length];
      const s2 = randomSlots(r);
      out.push({ a: t.forms[fa](s, r), b: pick(r, t2.forms)(s2, r), label: 0, score: 0 });
    }
  }
  return out;
}

/** The bundled splits: sizes and seeds fixed so every checkout has the same files. */
export const BUNDLED_SPLITS = {
  train: { n: 4000, seed: 11 },
  valid: { n: 500, seed: 22 },
  test: { n: 500, seed: 33 },
} as const;
