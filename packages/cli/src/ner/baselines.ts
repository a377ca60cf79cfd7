/**
 * Rule baselines a NER model must beat, each from the training split alone: `tag-nothing` (no entities:
 * F1 0), `most-frequent-span` (every example gets the training set's most common (start, end, type),
 * where it fits), and `dictionary` (longest left-to-right match of the training entity strings with their
 * most frequent type) — the last shows how much of a split plain memorisation already solves.
 */
import type { EntitySpan, NerExample } from './data.ts';

/** Predicted spans of each baseline on `examples`. */
export function baselineSpans(
  train: readonly NerExample[],
  examples: readonly NerExample[],
): Record<'tag-nothing' | 'most-frequent-span' | 'dictionary', EntitySpan[][]> {
  const spanCounts = new Map<string, number>();
  const surface = new Map<string, Map<string, number>>();
  for (const e of train)
    for (const s of e.entities) {
      const k = `${s.start}:${s.end}:${s.type}`;
      spanCounts.set(k, (spanCounts.get(k) ?? 0) + 1);
      const text = e.units.slice(s.start, s.end).join('\u0000');
      const byType = surface.get(text) ?? new Map<string, number>();
      byType.set(s.type, (byType.get(s.type) ?? 0) + 1);
      surface.set(text, byType);
    }
  const [topKey] = [...spanCounts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0] ?? [''];
  const [start, end, type] = topKey.split(':');
  const top = { start: Number(start), end: Number(end), type };
  const lexicon = new Map([...surface].map(([k, byType]) => [k, [...byType].sort((a, b) => b[1] - a[1])[0][0]]));
  const longest = Math.max(1, ...[...surface.keys()].map((k) => k.split('\u0000').length));
  const dictionary = (e: NerExample): EntitySpan[] => {
    const out: EntitySpan[] = [];
    for (let i = 0; i < e.units.length; ) {
      let hit = 0;
      for (let n = Math.min(longest, e.units.length - i); n >= 1 && !hit; n--) {
        const t = lexicon.get(e.units.slice(i, i + n).join('\u0000'));
        if (t) {
          out.push({ start: i, end: i + n, type: t });
          hit = n;
        }
      }
      i += hit || 1;
    }
    return out;
  };
  return {
    'tag-nothing': examples.map(() => []),
    'most-frequent-span': examples.map((e) => (topKey && top.end <= e.units.length ? [top] : [])),
    dictionary: examples.map(dictionary),
  };
}
