/**
 * mulberry32: a small seeded generator in [0, 1). The reliability suites draw their
 * mutation choices and kill delays from it, so a printed seed replays a run's schedule.
 * Not for anything secret.
 */
export function createSeededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
