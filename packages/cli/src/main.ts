/**
 * The `bert4tfjs` command line. Every command has --help; success exits 0; a failure prints one line
 * saying what is wrong (`bert4tfjs: ...`) and exits 1. Set BERT4TFJS_DEBUG=1 for stack traces.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import { TokenizerError } from '@bert4tfjs/tokenizers';
import { Command, CommanderError } from 'commander';
import { registerConvert } from './commands/convert.ts';
import { registerDemo } from './commands/demo.ts';
import { registerEmbed } from './commands/embed.ts';
import { registerExport } from './commands/export.ts';
import { registerForward } from './commands/forward.ts';
import { registerGenerate } from './commands/generate.ts';
import { registerInfo } from './commands/info.ts';
import { registerSimilar } from './commands/similar.ts';
import { registerTokenize } from './commands/tokenize.ts';
import { registerTrainClassify } from './commands/train-classify.ts';
import { registerTrainMatching } from './commands/train-matching.ts';
import { cliVersion } from './version.ts';

/** Builds the program with every command registered. */
export function buildProgram(): Command {
  const program = new Command('bert4tfjs')
    .description('Transformer models in Node.js on TensorFlow.js: build, load, fine-tune, embed')
    .version(cliVersion(), '-V, --version', 'print the bert4tfjs version')
    .showHelpAfterError(false)
    .exitOverride();
  registerInfo(program);
  registerTokenize(program);
  registerForward(program);
  registerEmbed(program);
  registerConvert(program);
  registerExport(program);
  registerSimilar(program);
  registerTrainMatching(program);
  registerTrainClassify(program);
  registerDemo(program);
  registerGenerate(program);
  return program;
}

/** The one-line reason shown for an error. */
export function describeError(err: unknown): string {
  if (err instanceof Bert4tfjsError || err instanceof TokenizerError) return err.message;
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOSPC') return err.message;
    return `internal error: ${err.message}`;
  }
  return `internal error: ${String(err)}`;
}

/** Runs the CLI with `argv` (node-style); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed usage problems; help/version exit 0.
      return err.exitCode;
    }
    process.stderr.write(`bert4tfjs: ${describeError(err)}\n`);
    if (process.env.BERT4TFJS_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
