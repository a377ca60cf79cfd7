/** Training toolkit: losses, optimizers, schedules, data pipeline and trainer. */
export * from './losses/index.ts';
export * from './optimizers/index.ts';
