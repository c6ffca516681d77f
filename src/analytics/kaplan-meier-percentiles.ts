/** Stays of one length: how many ended (left the stage) and how many are still running (censored). */
export interface DurationCount {
  /** Days in the stage (completed stay) or days so far (censored stay). */
  days: number
  events: number
  censored: number
}

/** Kaplan-Meier percentiles of a duration; null where the curve never falls that far. */
export interface KaplanMeierPercentiles {
  median: number | null
  p75: number | null
  p90: number | null
  completed: number
  censored: number
}

/**
 * Kaplan-Meier estimate of how long stays last, with still-running stays treated as censored
 * (they count as at risk up to their current length, and are never dropped). A percentile q is
 * the first duration t where the survival S(t) <= 1 - q. At a tie, events at t are counted before
 * the censored stays at t (the usual convention).
 * @example kaplanMeierPercentiles([{ days: 1, events: 1, censored: 0 }, { days: 2, events: 1, censored: 0 }]) // median 1
 */
export function kaplanMeierPercentiles(counts: readonly DurationCount[]): KaplanMeierPercentiles {
  const byDay = new Map<number, { events: number; censored: number }>()
  let completed = 0
  let censored = 0
  for (const c of counts) {
    const e = byDay.get(c.days) ?? { events: 0, censored: 0 }
    e.events += c.events
    e.censored += c.censored
    byDay.set(c.days, e)
    completed += c.events
    censored += c.censored
  }
  const days = [...byDay.keys()].sort((a, b) => a - b)
  let atRisk = completed + censored
  let survival = 1
  const targets: Array<[keyof Pick<KaplanMeierPercentiles, 'median' | 'p75' | 'p90'>, number]> = [
    ['median', 0.5],
    ['p75', 0.25],
    ['p90', 0.1],
  ]
  const out: KaplanMeierPercentiles = { median: null, p75: null, p90: null, completed, censored }
  for (const t of days) {
    const e = byDay.get(t) as { events: number; censored: number }
    if (e.events > 0 && atRisk > 0) {
      survival *= 1 - e.events / atRisk
      for (const [key, level] of targets) if (out[key] === null && survival <= level + 1e-12) out[key] = t
    }
    atRisk -= e.events + e.censored
  }
  return out
}
