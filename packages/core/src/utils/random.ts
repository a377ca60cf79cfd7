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
