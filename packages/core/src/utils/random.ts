/**
 * mulberry32: a tiny seeded PRNG, so generated data, random projections and fuzz tests reproduce on
 * every machine. One implementation for the whole project.
 */

/** A stream of uniformly distributed unsigned 32-bit integers from `seed`. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A stream of uniform floats in [0, 1) from `seed`. */
export function seededUniform(seed: number): () => number {
  const bits = mulberry32(seed);
  return () => bits() / 4294967296;
}

/**
 * Runs `fn` (synchronous) with Math.random drawn from `seed`, then puts the original back. tfjs seeds
 * every unseeded random op (dropout, randomUniform, …) from Math.random, so this makes dropout inside
 * `fn` repeat exactly for the same seed, which a per-layer seed cannot (it repeats one mask every step).
 */
export function withSeededRandom<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  Math.random = seededUniform(seed);
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}

/** A 32-bit seed mixed from several integers (e.g. a run seed and a step number). */
export function mixSeeds(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}
