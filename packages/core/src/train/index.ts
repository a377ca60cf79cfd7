/** Training toolkit: losses, optimizers, schedules, data pipeline and trainer. */
export * from './losses/index.ts';
export * from './optimizers/index.ts';
export * from './data/index.ts';
export * from './trainer/index.ts';
export * from './metrics.ts';
