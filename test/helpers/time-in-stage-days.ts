import type { StageStay } from '../../src/domain/normalized-deal.js'

/**
 * Total time (in days, fractional) a deal spent in each stage: the sum over its stays, an
 * open stay counting up to `asOf` (ISO date-time or date, UTC). Re-entries add up.
 */
export function timeInStageDays(stays: readonly StageStay[], asOf: string): Map<string, number> {
  const end = Date.parse(asOf.length === 10 ? `${asOf}T00:00:00Z` : asOf)
  const out = new Map<string, number>()
  for (const s of stays) {
    const from = Date.parse(s.enteredAt.length === 10 ? `${s.enteredAt}T00:00:00Z` : s.enteredAt)
    const to = s.leftAt === null ? end : Date.parse(s.leftAt.length === 10 ? `${s.leftAt}T00:00:00Z` : s.leftAt)
    out.set(s.stage, (out.get(s.stage) ?? 0) + Math.max(0, to - from) / 86_400_000)
  }
  return out
}
