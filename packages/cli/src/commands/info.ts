/** `bert4tfjs info`: which backend runs, with how many threads, and the versions in use. */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import type { Command } from 'commander';
import { cliVersion } from '../version.ts';
import { startBackend, withGlobalOptions, type GlobalOptions } from './common.ts';

const require = createRequire(import.meta.url);

/** Registers `info`. */
export function registerInfo(program: Command): void {
  withGlobalOptions(program.command('info').description('show the backend, threads and versions'))
    .option('--json', 'print JSON')
    .action(async (opts: GlobalOptions & { json?: boolean }) => {
      const info = await startBackend({ ...opts, quiet: true });
      let onnx = 'not found';
      try {
        onnx = (require('onnxruntime-node/package.json') as { version: string }).version;
      } catch {
        /* optional */
      }
      const report = {
        bert4tfjs: cliVersion(),
        node: process.version,
        tfjs: tf.version.tfjs,
        backend: info.name,
        threads: info.threads,
        simd: info.simd ?? null,
        tried: info.tried,
        onnxruntimeNode: onnx,
        versions: info.versions,
      };
      if (opts.json) {
        console.log(JSON.stringify(report, null, 2));
        return;
      }
      console.log(`bert4tfjs ${report.bert4tfjs} (node ${report.node}, tfjs ${report.tfjs})`);
      console.log(
        `backend: ${report.backend}, threads: ${report.threads}${report.simd === null ? '' : `, simd: ${report.simd}`}`,
      );
      for (const t of info.tried)
        console.log(`  ${t.ok ? 'ok  ' : 'skip'} ${t.name}${t.reason ? `: ${t.reason}` : ''}`);
      console.log(`onnxruntime-node: ${onnx}`);
    });
}
