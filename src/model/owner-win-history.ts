import type { OwnerCloseCount } from '../db/model-deal.js'

interface OwnerTimeline {
  dates: string[]
  /** Cumulative won / closed counts up to and including `dates[i]`. */
  won: number[]
  closed: number[]
}

/**
 * Each owner's track record as of any date: won and closed deals that closed strictly before it.
 * Built from per-day counts, so a deal's own outcome (closed after it was created) never counts
 * toward the record the model sees for it.
 */
export class OwnerWinHistory {
  private readonly byOwner = new Map<string, OwnerTimeline>()

  constructor(rows: readonly OwnerCloseCount[]) {
    const sorted = [...rows].sort((a, b) =>
      a.owner_id < b.owner_id ? -1 : a.owner_id > b.owner_id ? 1 : a.closed_date < b.closed_date ? -1 : 1,
    )
    for (const r of sorted) {
      let t = this.byOwner.get(r.owner_id)
      if (!t) {
        t = { dates: [], won: [], closed: [] }
        this.byOwner.set(r.owner_id, t)
      }
      const last = t.dates.length - 1
      const day = r.closed_date.slice(0, 10)
      if (last >= 0 && t.dates[last] === day) {
        t.won[last] = (t.won[last] ?? 0) + Number(r.won)
        t.closed[last] = (t.closed[last] ?? 0) + Number(r.won) + Number(r.lost)
      } else {
        t.dates.push(day)
        t.won.push((t.won[last] ?? 0) + Number(r.won))
        t.closed.push((t.closed[last] ?? 0) + Number(r.won) + Number(r.lost))
      }
    }
  }

  /** Won and closed deals of `ownerId` that closed strictly before `date` (`YYYY-MM-DD`). */
  before(ownerId: string, date: string): { won: number; closed: number } {
    const t = this.byOwner.get(ownerId)
    if (!t) return { won: 0, closed: 0 }
    let lo = 0
    let hi = t.dates.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((t.dates[mid] as string) < date) lo = mid + 1
      else hi = mid
    }
    return lo === 0 ? { won: 0, closed: 0 } : { won: t.won[lo - 1] as number, closed: t.closed[lo - 1] as number }
  }
}

/**
 * A win rate pulled toward `prior` as if `strength` extra deals had won at the prior rate:
 * (won + strength x prior) / (closed + strength). With no deals it is the prior.
 */
export function smoothedRate(won: number, closed: number, prior: number, strength: number): number {
  return (won + strength * prior) / (closed + strength)
}
