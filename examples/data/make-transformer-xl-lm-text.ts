/**
 * Writes examples/data/transformer-xl-lm.txt: a synthetic, deterministic (seeded) text for the
 * Transformer-XL example. Every line introduces an agent and a random code word and repeats both later
 * in the line, so predicting the repetition needs context from up to ~80 characters back — often from
 * the previous training segment, which only the memory can supply.
 *
 *   node packages/cli/bin/run-ts.js examples/data/make-transformer-xl-lm-text.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const AGENTS = ['mira', 'oskar', 'lena', 'tomas', 'ines', 'karl', 'nadia', 'piet', 'sara', 'jonas'];
const PLACES = ['north gate', 'old mill', 'harbor', 'east tower', 'market', 'river bridge', 'chapel', 'south wall'];
const VERBS = ['carries', 'hides', 'guards', 'brings', 'keeps'];
const LETTERS = 'bcdfghjklmnpqrstvwxz';

/** A small linear congruential generator: the same text on every machine. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** `lines` lines of the story text from `seed`. */
export function makeText(lines: number, seed: number): string {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const agent = pick(AGENTS);
    const code = Array.from({ length: 5 }, () => pick([...LETTERS])).join('');
    const place = pick(PLACES);
    out.push(
      `agent ${agent} ${pick(VERBS)} code ${code} to the ${place}. at the ${place} ${agent} says ${code} and the door opens.`,
    );
  }
  return `${out.join('\n')}\n`;
}

const here = dirname(fileURLToPath(import.meta.url));
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(join(here, 'transformer-xl-lm.txt'), makeText(600, 20240501));
}
