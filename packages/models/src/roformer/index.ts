/** RoFormer (rotary positions), RoFormer-Sim and RoFormer-V2. */
export * from './config.ts';
export * from './build.ts';
export * from './weights.ts';
export * from './tf-names.ts';
export * from './family.ts';
