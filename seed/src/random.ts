/**
 * Deterministic pseudo-random numbers.
 *
 * Own PRNG instead of faker's: faker's locale data and algorithms may change in a
 * minor release, and we promise byte-identical data for a given SEED_SCALE. Only
 * 32-bit integer arithmetic and exact float operations are used, so results do not
 * depend on the platform or the V8 version (no Math.log/exp/pow).
 */

// Number.prototype.toString(16) is slow on hot paths; a byte table is not.
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex16(n: number): string {
  return (HEX[n >>> 8] as string) + (HEX[n & 0xff] as string);
}

function hex32(n: number): string {
  return hex16(n >>> 16) + hex16(n & 0xffff);
}

/** Fixed seed of the whole dataset. Changing it changes every row. */
export const DATASET_SEED = 0x5eed_2025;

/** One splitmix32 step: a well-mixed 32-bit hash of `x`. */
export function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Hash of several 32-bit keys (e.g. seed, stream, row index). */
export function hashKeys(...keys: number[]): number {
  let h = DATASET_SEED >>> 0;
  for (const k of keys) h = mix32(h ^ mix32(k >>> 0));
  return h;
}

/**
 * sfc32 generator. Every row gets its own instance keyed by (stream, index), so a
 * row never depends on the rows generated before it: tables can be generated in
 * any order, twice (orders and their lines), or one row at a time.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...keys: number[]) {
    const h = hashKeys(...keys);
    this.a = mix32(h ^ 0x243f6a88);
    this.b = mix32(h ^ 0x85a308d3);
    this.c = mix32(h ^ 0x13198a2e);
    this.d = 1;
    // Discard the first outputs, which are weakly mixed right after seeding.
    for (let i = 0; i < 8; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** Integer in [min, max] skewed towards min (the square of a uniform). */
  skewed(min: number, max: number): number {
    const f = this.float();
    return min + Math.floor(f * f * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.float() * items.length)] as T;
  }

  /** Picks by integer weights: `[[value, weight], ...]`. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of entries) total += w;
    let r = this.float() * total;
    for (const [value, w] of entries) {
      if (r < w) return value;
      r -= w;
    }
    return (entries[entries.length - 1] as readonly [T, number])[0];
  }

  /** `count` distinct items, in pick order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = items.slice();
    const out: T[] = [];
    for (let i = 0; i < count && pool.length > 0; i++) {
      const j = Math.floor(this.float() * pool.length);
      out.push(pool[j] as T);
      pool[j] = pool[pool.length - 1] as T;
      pool.pop();
    }
    return out;
  }

  /** A version 4 UUID made of generator output (random-looking, but reproducible). */
  uuid(): string {
    const w0 = this.u32();
    const w1 = ((this.u32() & 0xffff0fff) | 0x00004000) >>> 0; // version 4
    const w2 = ((this.u32() & 0x3fffffff) | 0x80000000) >>> 0; // RFC 4122 variant
    const w3 = this.u32();
    return `${hex32(w0)}-${hex16(w1 >>> 16)}-${hex16(w1 & 0xffff)}-${hex16(w2 >>> 16)}-${hex16(w2 & 0xffff)}${hex32(w3)}`;
  }
}
