/** NEZHA (functional relative positions on keys and values). */
export * from './config.ts';
export * from './build.ts';
export * from './tf-names.ts';
export * from './family.ts';
