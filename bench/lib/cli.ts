/** Running a bench file directly: detecting it, and reading `--name value` / `--flag` arguments. */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Whether the module at `moduleUrl` is the script node was started with. */
export function isMainModule(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(resolve(process.argv[1])).href;
}

/** The command-line arguments after the script, with helpers for numeric options and flags. */
export function benchArgs(): { args: string[]; num(name: string): number | undefined; flag(name: string): boolean } {
  const args = process.argv.slice(2);
  return {
    args,
    num: (name) => {
      const i = args.indexOf(`--${name}`);
      return i >= 0 ? Number(args[i + 1]) : undefined;
    },
    flag: (name) => args.includes(`--${name}`),
  };
}
