#!/usr/bin/env node
/**
 * The `bert4tfjs` command as npm installs it (package.json `publishConfig.bin` → dist/bin.js): plain
 * JavaScript, no TypeScript loader. In the repository, bin/bert4tfjs.js runs the sources instead.
 */
import { main } from './main.ts';

process.exitCode = await main(process.argv);
