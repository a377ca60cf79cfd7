// Tests import package sources file by file, past the packages' Node entries that install the fs-backed
// file access; install it here as those entries do (the browser test checks the page without it).
import '../../packages/models/src/node-files.ts';
import '../../packages/tokenizers/src/node-files.ts';
