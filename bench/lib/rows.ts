/**
 * Turns the section results into report rows, pairing each of our numbers with what it is compared to
 * (measured in the same run where possible; otherwise the ENGINE-NOTES anchor, marked as not measured
 * here). Results of the other benches are read defensively: a field that is missing gives a '-' cell,
 * never a crash.
 */
import { missingRow, pairRatio, type BenchRow } from './report.ts';
import type { SectionId, SectionOutcome } from './sections.ts';
import { blasName } from '../training-torch.ts';

/** ENGINE-NOTES anchors (a 2-vCPU Sapphire Rapids machine with AVX-512), used only when not measured in this run. */
export const ANCHORS = {
  onnxruntimeForwardTokensPerSecond: 1490,
};

/** A number at `path` (dot-separated) inside `obj`, or null. */
export function numAt(obj: unknown, path: string): number | null {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return null;
    cur = (cur as Record<string, unknown>)[key];
  }
  return typeof cur === 'number' && Number.isFinite(cur) ? cur : null;
}

function resultOf(outcomes: Partial<Record<SectionId, SectionOutcome>>, id: SectionId): unknown {
  const o = outcomes[id];
  return o?.status === 'ok' ? o.result : null;
}

const LABELS: Record<SectionId, string> = {
  forward: 'tfjs forward',
  ablation: 'wasm changes, one by one',
  tokenizer: 'tokenizer',
  training: 'training step',
  convert: 'checkpoint conversion',
  performer: 'Performer vs softmax',
  onnx: 'ONNX export + engines',
};

function forwardRows(r: unknown, onnx: unknown): BenchRow[] {
  const threads = numAt(r, 'threads');
  const backend = (r as { backend?: string })?.backend ?? '?';
  const load = numAt(r, 'fixed.loadAfter');
  const fixed = numAt(r, 'fixed.tokensPerSecond');
  const layers = numAt(r, 'shape.layers');
  const hidden = numAt(r, 'shape.hidden');
  const ref = onnxRuntimeReference(onnx);
  const rows: BenchRow[] = [
    {
      id: 'forward.fixed',
      section: 'forward',
      status: 'ok',
      unit: 'tokens/s',
      value: fixed,
      label: `${layers} x ${hidden} forward, batch ${numAt(r, 'fixed.batch')} x ${numAt(r, 'fixed.seq')}, ${backend} ${threads} thread(s)`,
      reference: ref,
      ratio: pairRatio(fixed, ref.value, true),
      note: `${numAt(r, 'fixed.gflops')?.toFixed(1) ?? '-'} GFLOP/s; median of ${(r as { fixed?: { samples?: unknown[] } })?.fixed?.samples?.length ?? '?'}; load avg ${load ?? '-'}`,
    },
  ];
  const hand = numAt(r, 'handwritten.tokensPerSecond');
  if (hand != null) {
    rows.push({
      id: 'forward.handwritten',
      section: 'forward',
      status: 'ok',
      unit: 'tokens/s',
      value: hand,
      label: `hand-written tfjs forward (2 threads, explicit transposes, no other change), same model and batch`,
      reference: ref,
      ratio: pairRatio(hand, ref.value, true),
      note: `${numAt(r, 'handwritten.gflops')?.toFixed(1) ?? '-'} GFLOP/s; the library is ${pairRatio(fixed, hand, true)?.toFixed(2) ?? '-'}x faster; max |diff| ${numAt(r, 'handwritten.maxAbsDiff')?.toExponential(1) ?? '-'}`,
    });
  }
  const vTok = numAt(r, 'variable.tokensPerSecond');
  const xVar = numAt(onnx, 'variable.xenova.tokensPerSecond');
  const real = numAt(r, 'variable.realTokens');
  const padded = numAt(r, 'variable.paddedTokens');
  rows.push({
    id: 'forward.variable',
    section: 'forward',
    status: 'ok',
    unit: 'real tokens/s',
    value: vTok,
    label: `Embedder (length-bucketed, batch ${numAt(r, 'variable.batchSize')}) on ${numAt(r, 'variable.sentences')} sentences`,
    reference:
      xVar != null
        ? {
            label: `@xenova/transformers feature-extraction on ${numAt(onnx, 'variable.sentences')} of the same sentences`,
            value: xVar,
            measured: true,
          }
        : undefined,
    ratio: pairRatio(vTok, xVar, true),
    note: `${numAt(r, 'variable.sentencesPerSecond')?.toFixed(1) ?? '-'} sentences/s; padding ${real && padded ? ((1 - real / padded) * 100).toFixed(0) : '-'}%; ${(r as { variable?: { source?: string } })?.variable?.source ?? ''}`,
  });
  rows.push({
    id: 'forward.load',
    section: 'forward',
    status: 'ok',
    unit: 's',
    value: numAt(r, 'load.median'),
    label: `model load: build + model.safetensors (${((numAt(r, 'weightBytes') ?? 0) / 1e6).toFixed(0)} MB)`,
    note: `median of ${(r as { load?: { samples?: unknown[] } })?.load?.samples?.length ?? '?'}`,
  });
  rows.push({
    id: 'forward.peakRss',
    section: 'forward',
    status: 'ok',
    unit: 'GiB',
    value: (numAt(r, 'peakRssBytes') ?? Number.NaN) / 2 ** 30,
    label: 'peak RSS (load + forward + embed, one process)',
    note: `tensors leaked: ${numAt(r, 'leakedTensors') ?? '-'}`,
  });
  return rows;
}

/**
 * The onnxruntime figure the tfjs forward is compared with: the faster of the two onnxruntime engines
 * measured on the same model in this run (ours and @xenova/transformers'), else the ENGINE-NOTES anchor.
 */
export function onnxRuntimeReference(onnx: unknown): NonNullable<BenchRow['reference']> {
  const ours = numAt(onnx, 'fixed.ours.tokensPerSecond');
  const xenova = numAt(onnx, 'fixed.xenova.tokensPerSecond');
  if (ours == null && xenova == null)
    return {
      label: 'onnxruntime (ENGINE-NOTES anchor, another CPU)',
      value: ANCHORS.onnxruntimeForwardTokensPerSecond,
      measured: false,
    };
  const best = Math.max(ours ?? 0, xenova ?? 0);
  return {
    label: `onnxruntime, same model (faster of our engine and @xenova/transformers)`,
    value: best,
    measured: true,
  };
}

/** 'runs a-b ms; ' over a step's timed runs (the machine's noise, next to the differences between steps). */
function spread(samples: unknown): string {
  const xs = Array.isArray(samples) ? samples.filter((x): x is number => typeof x === 'number') : [];
  return xs.length > 1 ? `runs ${(Math.min(...xs) * 1000).toFixed(0)}-${(Math.max(...xs) * 1000).toFixed(0)} ms; ` : '';
}

/** One row per ablation step: its time, and its speed-up over the step before (the ratio). */
function ablationRows(r: unknown): BenchRow[] {
  const steps = (r as { steps?: Array<Record<string, unknown>> })?.steps ?? [];
  const layers = numAt(r, 'shape.layers');
  const hidden = numAt(r, 'shape.hidden');
  return steps.map((step, i) => {
    const ms = typeof step.seconds === 'number' ? step.seconds * 1000 : null;
    const prev = i > 0 && typeof steps[i - 1].seconds === 'number' ? (steps[i - 1].seconds as number) * 1000 : null;
    const first = typeof steps[0].seconds === 'number' ? (steps[0].seconds as number) * 1000 : null;
    return {
      id: `ablation.${String(step.id)}`,
      section: 'ablation',
      status: 'ok' as const,
      unit: 'ms',
      value: ms,
      label: String(step.label ?? step.id),
      reference: prev != null ? { label: 'the step before', value: prev, measured: true } : undefined,
      ratio: prev != null ? pairRatio(ms, prev, false) : null,
      note:
        `${layers} x ${hidden} layer(s), ${numAt(r, 'batch')} x ${numAt(r, 'seq')}, ${String(step.threads)} thread(s); ${pairRatio(ms, first, false)?.toFixed(1) ?? '-'}x the first step; ${spread(step.samples)}` +
        `${typeof step.gflops === 'number' ? step.gflops.toFixed(1) : '-'} GFLOP/s; max |diff| ${typeof step.maxAbsDiff === 'number' ? step.maxAbsDiff.toExponential(1) : '-'}`,
    };
  });
}

function tokenizerRows(r: unknown): BenchRow[] {
  const ours = numAt(r, 'ours.textsPerSecond');
  const x = numAt(r, 'xenova.textsPerSecond');
  const n = numAt(r, 'sentences');
  return [
    {
      id: 'tokenizer.texts',
      section: 'tokenizer',
      status: 'ok',
      unit: 'texts/s',
      value: ours,
      label: `WordPiece, ${n} STS-B texts one at a time (${(r as { vocab?: string })?.vocab ?? ''})`,
      reference:
        x != null
          ? { label: '@xenova/transformers BertTokenizer (our tokenizer.json)', value: x, measured: true }
          : undefined,
      ratio: pairRatio(ours, x, true),
      note:
        x != null
          ? `identical ids ${numAt(r, 'identical')}/${n}`
          : `xenova: ${(r as { xenovaError?: string })?.xenovaError ?? 'n/a'}`,
    },
  ];
}

/** The GPT-2 byte-level BPE row of the tokenizer section (bench/tokenizer-bpe.ts), when it ran. */
function bpeTokenizerRows(r: unknown): BenchRow[] {
  const bpe = (r as { bpe?: unknown })?.bpe;
  if (!bpe) return [];
  const ours = numAt(bpe, 'ours.textsPerSecond');
  const x = numAt(bpe, 'xenova.textsPerSecond');
  const n = numAt(bpe, 'sentences');
  const cold = (k: string): string => numAt(bpe, `coldSeconds.${k}`)?.toFixed(2) ?? '-';
  return [
    {
      id: 'tokenizer.bpe-texts',
      section: 'tokenizer',
      status: 'ok',
      unit: 'texts/s',
      value: ours,
      label: `GPT-2 byte-level BPE, ${n} STS-B texts one at a time (${numAt(bpe, 'merges')} merges learned from STS-B train)`,
      reference:
        x != null
          ? { label: '@xenova/transformers GPT2Tokenizer (same vocab and merges)', value: x, measured: true }
          : undefined,
      ratio: pairRatio(ours, x, true),
      note:
        x != null
          ? `identical ids ${numAt(bpe, 'identical')}/${n}; first pass ${cold('ours')} s vs ${cold('xenova')} s`
          : `xenova: ${(bpe as { xenovaError?: string })?.xenovaError ?? 'n/a'}`,
    },
  ];
}

const gib = (b: number | null): string => ((b ?? Number.NaN) / 2 ** 30).toFixed(2);

/** The training section's rows: each of our engines against PyTorch measured in the same run (or no reference). */
function trainingRows(r: unknown): BenchRow[] {
  const part = (k: string): Record<string, unknown> | null => {
    const v = (r as Record<string, unknown> | null)?.[k];
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  };
  const err = (k: string): string | undefined => part(k)?.error as string | undefined;
  const torchRef = (k: string) => {
    const t = part(k);
    const v = numAt(t, 'tokensPerSecond');
    if (v == null) return undefined;
    const libs = (t?.blasLibraries as string[] | undefined) ?? [];
    return {
      label: `PyTorch ${t?.torch}, ${numAt(t, 'threads')} threads, ${blasName(libs)}, same run`,
      value: v,
      measured: true,
    };
  };
  const shape = (k: string): string =>
    `${numAt(part(k), 'layers')} layers, ${numAt(part(k), 'accum') && numAt(part(k), 'accum')! > 1 ? `${numAt(part(k), 'accum')} x ` : ''}${numAt(part(k), 'batchSize') ?? numAt(part(k), 'batch')} x ${numAt(part(k), 'seqLen') ?? numAt(part(k), 'seq')}`;
  const row = (id: string, k: string, label: string, ref: ReturnType<typeof torchRef>, note: string): BenchRow => {
    const v = numAt(part(k), 'tokensPerSecond');
    if (v == null) return missingRow(id, 'training', label, 'error', err(k) ?? 'no figure');
    return {
      id,
      section: 'training',
      status: 'ok',
      unit: 'tokens/s',
      value: v,
      label: `${label}, ${shape(k)}`,
      reference: ref,
      ratio: ref ? pairRatio(v, ref.value, true) : null,
      note,
    };
  };
  const load = ((r as { loadAverage?: number[] } | null)?.loadAverage ?? []).map((x) => x.toFixed(2)).join(' ');
  const onnxNote = (k: string): string =>
    `${part(k)?.engine}; per step ${((numAt(part(k), 'bytesInPlacePerStep') ?? 0) / 2 ** 20).toFixed(0)} MiB written in place, ${((numAt(part(k), 'bytesOutPerStep') ?? 0) / 2 ** 20).toFixed(0)} MiB copied out by the binding; peak RSS ${gib(numAt(part(k), 'peakRssBytes'))} GiB; load avg ${load}`;
  const torch = part('torch');
  return [
    row('training.onnx', 'onnx', 'onnx engine fwd + bwd + AdamW', torchRef('torch'), onnxNote('onnx')),
    row(
      'training.onnx.accum32',
      'onnxAccum',
      'onnx engine, accumulated micro-batches (grads + apply graphs)',
      torchRef('torchAccum'),
      onnxNote('onnxAccum'),
    ),
    row(
      'training.tfjs',
      'tfjs',
      'tfjs-wasm Trainer fwd + bwd + AdamW',
      torchRef('torch'),
      `${numAt(part('tfjs'), 'microBatches')} micro-batches of <= ${numAt(part('tfjs'), 'microBatchSize')}; peak RSS ${gib(numAt(part('tfjs'), 'peakRssBytes'))} GiB`,
    ),
    row(
      'training.torch',
      'torch',
      'PyTorch (bench/torch-training.py) fwd + bwd + AdamW',
      undefined,
      torch
        ? `torch ${torch.torch} via ${torch.python}; BLAS ${blasName((torch.blasLibraries as string[]) ?? [])}; peak RSS ${gib(numAt(torch, 'peakRssBytes'))} GiB`
        : '',
    ),
    row(
      'training.torch.accum32',
      'torchAccum',
      'PyTorch, effective 32 x 128 (accumulated)',
      undefined,
      `peak RSS ${gib(numAt(part('torchAccum'), 'peakRssBytes'))} GiB`,
    ),
  ];
}

function convertRows(r: unknown): BenchRow[] {
  return [
    {
      id: 'convert.rate',
      section: 'convert',
      status: 'ok',
      unit: 'MB/s',
      value: numAt(r, 'mbPerSecond'),
      label: `TF checkpoint -> model.safetensors (${((numAt(r, 'checkpointBytes') ?? 0) / 1e6).toFixed(0)} MB)`,
      note: `streaming ${numAt(r, 'writeMbPerSecond')?.toFixed(0) ?? '-'} MB/s; peak RSS ${numAt(r, 'rssRatio')?.toFixed(2) ?? '-'}x checkpoint (added ${numAt(r, 'addedRssRatio')?.toFixed(2) ?? '-'}x)`,
    },
  ];
}

/** Performer rows: performer ms against softmax ms at each length, per layer and per encoder. */
function performerRows(r: unknown): BenchRow[] {
  const list = Array.isArray(r) ? (r as Array<Record<string, unknown>>) : [];
  const rows: BenchRow[] = [];
  for (const kind of ['layer', 'encoder']) {
    const lengths = [
      ...new Set(list.filter((x) => x.kind === kind && typeof x.length === 'number').map((x) => x.length as number)),
    ];
    for (const length of lengths) {
      const find = (a: string) => list.find((x) => x.kind === kind && x.length === length && x.attention === a);
      const p = find('performer');
      const s = find('softmax');
      const pms = typeof p?.ms === 'number' ? p.ms : null;
      const sms = typeof s?.ms === 'number' ? s.ms : null;
      rows.push({
        id: `performer.${kind}.${length}`,
        section: 'performer',
        status: 'ok',
        unit: 'ms',
        value: pms,
        label: `${kind === 'layer' ? 'one attention layer' : '4-layer encoder'}, L = ${length}, performer m = ${p?.features ?? '?'}`,
        reference: { label: 'softmax attention', value: sms, measured: sms != null },
        ratio: pairRatio(pms, sms, false),
        note: [s?.note, p?.note].filter(Boolean).join('; ') || undefined,
      });
    }
  }
  for (const c of list.filter((x) => x.kind === 'crossover')) {
    rows.push({
      id: `performer.crossover.${rows.length}`,
      section: 'performer',
      status: 'ok',
      unit: '',
      value: null,
      label: 'crossover',
      note: String(c.note ?? ''),
    });
  }
  return rows;
}

function onnxRows(r: unknown): BenchRow[] {
  const oF = numAt(r, 'fixed.ours.tokensPerSecond');
  const xF = numAt(r, 'fixed.xenova.tokensPerSecond');
  const oV = numAt(r, 'variable.ours.tokensPerSecond');
  const xV = numAt(r, 'variable.xenova.tokensPerSecond');
  return [
    {
      id: 'onnx.fixed',
      section: 'onnx',
      status: 'ok',
      unit: 'tokens/s',
      value: oF,
      label: 'our ONNX export + engine, batch 8 x 128',
      reference: { label: '@xenova/transformers on the same export', value: xF, measured: xF != null },
      ratio: pairRatio(oF, xF, true),
      note: `export ${numAt(r, 'exportSeconds')?.toFixed(1) ?? '-'} s; max |diff| ${numAt(r, 'maxAbsDiff')?.toExponential(1) ?? '-'}`,
    },
    {
      id: 'onnx.variable',
      section: 'onnx',
      status: 'ok',
      unit: 'real tokens/s',
      value: oV,
      label: `our ONNX engine, ${numAt(r, 'variable.sentences')} sentences, bucketed`,
      reference: { label: '@xenova/transformers, same sentences', value: xV, measured: xV != null },
      ratio: pairRatio(oV, xV, true),
      note: `padding ${((numAt(r, 'variable.paddingBucketed') ?? Number.NaN) * 100).toFixed(0)}% bucketed vs ${((numAt(r, 'variable.paddingUnbucketed') ?? Number.NaN) * 100).toFixed(0)}% in input order`,
    },
  ];
}

/** All rows of the report, in section order; a section that did not run gets one row saying why. */
export function buildRows(outcomes: Partial<Record<SectionId, SectionOutcome>>): BenchRow[] {
  const rows: BenchRow[] = [];
  const onnx = resultOf(outcomes, 'onnx');
  for (const [id, outcome] of Object.entries(outcomes) as Array<[SectionId, SectionOutcome]>) {
    if (outcome.status !== 'ok') {
      const reason = outcome.status === 'error' ? outcome.error : outcome.reason;
      rows.push(missingRow(`${id}.missing`, id, LABELS[id], outcome.status, reason));
      continue;
    }
    const r = outcome.result;
    if (id === 'forward') rows.push(...forwardRows(r, onnx));
    else if (id === 'ablation') rows.push(...ablationRows(r));
    else if (id === 'tokenizer') rows.push(...tokenizerRows(r), ...bpeTokenizerRows(r));
    else if (id === 'training') rows.push(...trainingRows(r));
    else if (id === 'convert') rows.push(...convertRows(r));
    else if (id === 'performer') rows.push(...performerRows(r));
    else if (id === 'onnx') rows.push(...onnxRows(r));
  }
  return rows;
}
