/**
 * The PyTorch anchor of the training rows: runs bench/torch-training.py (same BERT-base shape, forward +
 * backward + AdamW, threads = ours) with the first Python that imports torch — $BERT4TFJS_PYTHON, then
 * `python3` on PATH, then /usr/bin/python3 (Debian's python3-torch) — and returns its JSON, or why there
 * is no figure. The script reports the BLAS library actually mapped into the process: Debian's reference
 * libblas makes PyTorch about 30x slower than with OpenBLAS, so a row must say which one it ran on.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './lib/data.ts';
import type { TrainingShape } from './lib/training-model.ts';

/** Options of {@link runTorchTrainingBench}. */
export interface TorchTrainingOptions extends TrainingShape {
  timeoutMs?: number;
}

/** What bench/torch-training.py printed. */
export interface TorchTrainingResult {
  python: string;
  torch: string;
  threads: number;
  batch: number;
  seq: number;
  accum: number;
  layers: number;
  stepSeconds: number[];
  tokensPerSecond: number;
  blasLibraries: string[];
  blasBuildInfo: string;
  peakRssBytes: number;
}

/** The first Python interpreter that imports torch, or null. */
export function findTorchPython(): string | null {
  const candidates = [process.env.BERT4TFJS_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
    if (r.status === 0) return py;
  }
  return null;
}

/** A short name of the BLAS torch runs on ('OpenBLAS (pthread)', 'reference BLAS', ...), from the mapped libraries. */
export function blasName(libs: readonly string[]): string {
  const s = libs.join(' ');
  if (/openblas/i.test(s)) return `OpenBLAS${/pthread/.test(s) ? ' (pthread)' : /openmp/.test(s) ? ' (openmp)' : ''}`;
  if (/mkl/i.test(s)) return 'MKL';
  if (/blis/i.test(s)) return 'BLIS';
  if (/libblas/.test(s)) return 'reference BLAS (slow: install libopenblas0-pthread)';
  return 'none mapped (torch uses its own kernels)';
}

/** Runs the PyTorch training step; `{ error }` when no Python with torch is found or the script fails. */
export function runTorchTrainingBench(o: TorchTrainingOptions = {}): TorchTrainingResult | { error: string } {
  const python = findTorchPython();
  if (!python)
    return {
      error: 'no python3 with torch (set BERT4TFJS_PYTHON, or apt-get install python3-torch libopenblas0-pthread)',
    };
  const args = [
    join(REPO_ROOT, 'bench', 'torch-training.py'),
    ...['--layers', String(o.layers ?? 12), '--steps', String(o.steps ?? 3)],
    ...['--batch', String(o.batchSize ?? 8), '--seq', String(o.seqLen ?? 128)],
    ...['--accum', String(o.accum ?? 1), '--threads', String(o.threads ?? 2)],
  ];
  const r = spawnSync(python, args, { encoding: 'utf8', timeout: o.timeoutMs ?? 10 * 60_000 });
  const line = r.stdout?.trim().split('\n').pop() ?? '';
  try {
    return { python, ...(JSON.parse(line) as Omit<TorchTrainingResult, 'python'>) };
  } catch {
    return {
      error: `${python} bench/torch-training.py failed: ${(r.stderr ?? r.error?.message ?? '').trim().split('\n').pop()}`,
    };
  }
}
