/**
 * Classification metrics under plain names: accuracy (exact match for multi-label), macro_f1, micro_f1,
 * and a per-class report (precision, recall, F1, support). Decisions: argmax for single-label, logit > 0
 * for multi-label (ZLPR's threshold); gold: argmax of the target, or target >= 0.5 per class.
 */

/** Per-class figures. */
export interface ClassReport {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Metrics of one split. */
export interface ClassifyMetrics {
  n: number;
  accuracy: number;
  macro_f1: number;
  micro_f1: number;
  perClass: ClassReport[];
}

const argmax = (v: readonly number[]): number => v.reduce((best, x, i) => (x > v[best] ? i : best), 0);
const f1Of = (tp: number, fp: number, fn: number): [number, number, number] => {
  const p = tp + fp ? tp / (tp + fp) : 0;
  const r = tp + fn ? tp / (tp + fn) : 0;
  return [p, r, p + r ? (2 * p * r) / (p + r) : 0];
};

/** Hard 0/1 decisions per class from logits. */
export function decisions(logits: readonly number[][], multiLabel: boolean): number[][] {
  return logits.map((l) => (multiLabel ? l.map((x) => (x > 0 ? 1 : 0)) : l.map((_, k) => (k === argmax(l) ? 1 : 0))));
}

/** Metrics of `logits` against `targets` over `names`. */
export function classifyMetrics(
  logits: readonly number[][],
  targets: readonly number[][],
  names: readonly string[],
  multiLabel: boolean,
): ClassifyMetrics {
  const pred = decisions(logits, multiLabel);
  const gold = targets.map((t) =>
    multiLabel ? t.map((x) => (x >= 0.5 ? 1 : 0)) : t.map((_, k) => (k === argmax(t) ? 1 : 0)),
  );
  let TP = 0;
  let FP = 0;
  let FN = 0;
  const perClass = names.map((label, k) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    pred.forEach((p, i) => {
      if (p[k] && gold[i][k]) tp++;
      else if (p[k]) fp++;
      else if (gold[i][k]) fn++;
    });
    TP += tp;
    FP += fp;
    FN += fn;
    const [precision, recall, f1] = f1Of(tp, fp, fn);
    return { label, precision, recall, f1, support: tp + fn };
  });
  const exact = pred.filter((p, i) => p.every((x, k) => x === gold[i][k])).length;
  return {
    n: pred.length,
    accuracy: pred.length ? exact / pred.length : 0,
    macro_f1: perClass.reduce((s, c) => s + c.f1, 0) / Math.max(1, perClass.length),
    micro_f1: f1Of(TP, FP, FN)[2],
    perClass,
  };
}
