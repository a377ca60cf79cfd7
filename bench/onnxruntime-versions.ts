/**
 * onnxruntime-node versions on the same graphs: our inference export of a BERT-base-sized model (8 x 128
 * forward) run by each given onnxruntime-node package directory in turn, same inputs, same threads. The
 * training graph is compared with bench/training-onnx.ts (BERT4TFJS_ORT_PATH=DIR). Not part of `pnpm bench`.
 *
 *   node packages/cli/bin/run-ts.js bench/onnxruntime-versions.ts DIR [DIR...] [--threads 2] [--reps 5]
 */
import { buildOnnxModel, buildTransformerModel } from '@bert4tfjs/models';
import { benchArgs } from './lib/cli.ts';
import { bertBaseConfig } from './lib/training-model.ts';
import { ortFrom } from './training-onnx.ts';

const { args, num } = benchArgs();
const threads = num('threads') ?? 2;
const reps = num('reps') ?? 5;
const dirs = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const built = buildTransformerModel({ model: 'bert', config: bertBaseConfig(12) });
const { bytes } = buildOnnxModel(built);
built.model.dispose();
const [batch, seq] = [8, 128];
for (const dir of dirs) {
  const { ort, version } = ortFrom(dir);
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
  });
  const ids = BigInt64Array.from({ length: batch * seq }, (_, i) => BigInt(1000 + ((i * 7919) % 20000)));
  const feeds: Record<string, ReturnType<typeof Object>> = {};
  for (const name of session.inputNames)
    feeds[name] =
      name === 'input_ids'
        ? new ort.Tensor('int64', ids, [batch, seq])
        : name === 'attention_mask'
          ? new ort.Tensor('int64', new BigInt64Array(batch * seq).fill(1n), [batch, seq])
          : new ort.Tensor('int64', new BigInt64Array(batch * seq), [batch, seq]);
  await session.run(feeds);
  const secs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await session.run(feeds);
    secs.push((performance.now() - t0) / 1000);
  }
  secs.sort((a, b) => a - b);
  const median = secs[secs.length >> 1];
  console.log(
    JSON.stringify({ version, threads, batch, seq, medianSeconds: median, tokensPerSecond: (batch * seq) / median }),
  );
  await session.release?.();
}
