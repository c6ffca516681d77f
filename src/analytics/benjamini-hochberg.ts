/**
 * Benjamini-Hochberg adjusted p-values (q-values), in the input order: q_(i) = min over j >= i
 * of m p_(j) / j, capped at 1. Controls the false discovery rate across every test in `pValues`.
 * @example benjaminiHochberg([0.01, 0.04, 0.03, 0.2]) // [0.04, 0.0533, 0.0533, 0.2]
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0])
  const q = new Array<number>(m)
  let running = 1
  for (let r = m - 1; r >= 0; r--) {
    const [p, i] = order[r]!
    running = Math.min(running, (p * m) / (r + 1))
    // q >= p holds exactly (m / rank >= 1); the max only undoes rounding in m * p / m.
    q[i] = Math.min(1, Math.max(p, running))
  }
  return q
}
