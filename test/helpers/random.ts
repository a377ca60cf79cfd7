/** The project's seeded PRNG for tests (uniform floats in [0, 1)), so fuzz failures reproduce. */
export { seededUniform as prng } from '../../packages/core/src/utils/random.ts';
