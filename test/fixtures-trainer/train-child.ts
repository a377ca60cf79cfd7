/**
 * Kill-test child: trains the tiny BERT task with a checkpoint after every step, printing `step N` as it
 * goes (slowed by --delay ms per step so the parent can SIGKILL it mid-run). Also importable: `train()`
 * runs the same job in-process.
 *
 *   node packages/cli/bin/run-ts.js test/fixtures-trainer/train-child.ts --dir DIR [--delay 50] [--resume]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Trainer, adam, type FitResult } from '@bert4tfjs/core';
import { buildTinyBert, makeExamples, makeGenerator, nspLoss, weightValues } from './tiny-bert-task.ts';

/** Options of {@link train}. */
export interface TrainJob {
  dir: string;
  resume?: boolean;
  delayMs?: number;
  onStep?: (step: number) => void;
}

/** Steps of the job: 16 examples in batches of 2, 2 epochs. */
export const JOB_STEPS = 16;

/** Runs the job; returns the fit result and the final weights. */
export async function train(job: TrainJob): Promise<{ result: FitResult; weights: number[][] }> {
  const built = buildTinyBert();
  const trainer = new Trainer({
    model: built.model,
    loss: nspLoss,
    optimizer: adam({ learningRate: 1e-3 }),
    progress: false,
  });
  const result = await trainer.fit(makeGenerator(makeExamples(16), 2), {
    epochs: 2,
    checkpointDir: job.dir,
    checkpointEvery: 1,
    keepCheckpoints: 3,
    resume: job.resume ? true : undefined,
    callbacks: [
      {
        onStepEnd: async (logs) => {
          job.onStep?.(logs.step);
          if (job.delayMs) await new Promise((r) => setTimeout(r, job.delayMs));
        },
      },
    ],
  });
  const weights = weightValues(built);
  trainer.optimizer.dispose();
  built.model.dispose();
  return { result, weights };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const args = process.argv.slice(2);
  const arg = (name: string): string | undefined =>
    args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined;
  const dir = arg('dir');
  if (!dir) {
    console.error('usage: train-child.ts --dir DIR [--delay MS] [--resume]');
    process.exit(2);
  }
  const { result } = await train({
    dir,
    resume: args.includes('--resume'),
    delayMs: Number(arg('delay') ?? 0),
    onStep: (s) => console.log(`step ${s}`),
  });
  console.log(`done ${result.step}`);
}
