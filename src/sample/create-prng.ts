/** A small deterministic pseudo-random generator (sfc32): the same seed always gives the same sequence. */
export interface Prng {
  /** Uniform in [0, 1). */
  next(): number
  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number
  /** Standard normal (mean 0, standard deviation 1). */
  normal(): number
  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T
  /** An index drawn with probability proportional to `cumulative` differences (a cumulative weight table). */
  weighted(cumulative: readonly number[]): number
}

/**
 * Creates a generator from a seed (number or any string). Not for cryptography: it exists so
 * that `pulse sample --seed S` writes byte-identical files on every machine and Node version.
 *
 * @example const r = createPrng('42'); r.next() // always the same first number for seed '42'
 */
export function createPrng(seed: string | number): Prng {
  let [a, b, c, d] = seedWords(String(seed))
  const next = (): number => {
    a >>>= 0
    b >>>= 0
    c >>>= 0
    d >>>= 0
    let t = (a + b) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    d = (d + 1) | 0
    t = (t + d) | 0
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
  for (let i = 0; i < 15; i++) next()
  let spare: number | null = null
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    normal() {
      if (spare !== null) {
        const s = spare
        spare = null
        return s
      }
      // Box-Muller: two uniforms give two independent normals; keep the second for the next call.
      const u = 1 - next()
      const v = next()
      const r = Math.sqrt(-2 * Math.log(u))
      spare = r * Math.sin(2 * Math.PI * v)
      return r * Math.cos(2 * Math.PI * v)
    },
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
    weighted(cumulative) {
      const total = cumulative[cumulative.length - 1] as number
      const u = next() * total
      let i = 0
      while (i < cumulative.length - 1 && u >= (cumulative[i] as number)) i++
      return i
    },
  }
}

/** Running sums of `weights`, for {@link Prng.weighted}. */
export function cumulativeWeights(weights: readonly number[]): number[] {
  let sum = 0
  return weights.map((w) => {
    sum += w
    return sum
  })
}

// Four 32-bit words from a string seed: FNV-1a over the text, then a splitmix32 sequence.
function seedWords(seed: string): [number, number, number, number] {
  let h = 2166136261
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619)
  let state = h >>> 0
  const word = (): number => {
    state = (state + 0x9e3779b9) | 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  return [word(), word(), word(), word()]
}
