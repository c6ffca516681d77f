import { describe, expect, it } from 'vitest'
import type { ModelDeal } from '../../src/db/model-deal.js'
import { addDays } from '../../src/domain/dates.js'
import { seededRandom } from '../../src/domain/seeded-random.js'
import { OwnerWinHistory } from '../../src/model/owner-win-history.js'
import { scoreDeals } from '../../src/model/score-deals.js'
import { WinRateDriverEngine } from '../../src/model/win-rate-driver-engine.js'
import { FIXTURE_AS_OF, ownerClosesOf, syntheticDeals } from './model-fixtures.js'

describe('scoreDeals reasons', () => {
  const deals = syntheticDeals({ n: 800, seed: 21, signal: true })
  const engine = WinRateDriverEngine.train({ deals, ownerCloses: ownerClosesOf(deals), asOf: FIXTURE_AS_OF, staleDays: 30 })
  const open = deals.find((d) => d.outcome === 'open') as ModelDeal
  const score = (deal: ModelDeal) =>
    scoreDeals(engine, [deal], {
      asOf: FIXTURE_AS_OF,
      idleDays: 14,
      stageNorms: new Map(),
      owners: new OwnerWinHistory(ownerClosesOf(deals)),
    })[0]

  it('states days without activity as a fact only when the last activity date is known', () => {
    const known = score({ ...open, last_activity_date: addDays(FIXTURE_AS_OF, -20), updated_date: null })
    expect(known?.reasons).toContain('No activity for 20 days (the idle limit is 14)')

    // No activity date (the contract: absent means unknown): the count runs from another date, and the words say which.
    const updated = score({ ...open, last_activity_date: null, updated_date: addDays(FIXTURE_AS_OF, -20) })
    expect(updated?.daysIdle).toBe(20)
    expect(updated?.reasons).toContain('No activity recorded; record last updated 20 days ago (the idle limit is 14)')
    const entered = score({ ...open, last_activity_date: null, updated_date: null, stage_entered_date: addDays(FIXTURE_AS_OF, -3) })
    expect(entered?.reasons).toContain(`No activity recorded; entered ${open.stage} 3 days ago`)
    const created = score({
      ...open,
      last_activity_date: null,
      updated_date: null,
      stage_entered_date: null,
      created_date: addDays(FIXTURE_AS_OF, -40),
    })
    expect(created?.reasons).toContain('No activity recorded; created 40 days ago (the idle limit is 14)')
    for (const s of [updated, entered, created]) expect(s?.reasons.some((r) => /^No activity for|^Last activity/.test(r))).toBe(false)
    // The health score itself is unchanged by the wording: 20 idle days count the same either way.
    expect(updated?.healthScore).toBe(known?.healthScore)
  })

  it('counts days idle from the creation of a deal whose last activity is dated before it, and says so', () => {
    const carried = score({
      ...open,
      created_date: addDays(FIXTURE_AS_OF, -5),
      stage_entered_date: null,
      last_activity_date: addDays(FIXTURE_AS_OF, -400),
      updated_date: null,
    })
    expect(carried?.daysIdle).toBe(5)
    expect(carried?.reasons).toContain('No activity since it was created 5 days ago')
    expect(carried?.reasons.some((r) => /^Last activity/.test(r))).toBe(false)
  })

  it('says a deal with no activity whose last update is dated before its creation idles since it was created', () => {
    const carried = score({
      ...open,
      created_date: addDays(FIXTURE_AS_OF, -5),
      stage_entered_date: null,
      last_activity_date: null,
      updated_date: addDays(FIXTURE_AS_OF, -400),
    })
    expect(carried?.daysIdle).toBe(5)
    expect(carried?.reasons).toContain('No activity recorded; created 5 days ago')
    expect(carried?.reasons.some((r) => /updated/.test(r))).toBe(false)
  })

  it('states days in a stage as a fact only when the day the deal entered it is known', () => {
    const norms = new Map([[open.stage, { median: 10, p90: 20, n: 100 }]])
    const at = (deal: ModelDeal) =>
      scoreDeals(engine, [deal], {
        asOf: FIXTURE_AS_OF,
        idleDays: 14,
        stageNorms: norms,
        owners: new OwnerWinHistory(ownerClosesOf(deals)),
      })[0]
    const base = { ...open, last_activity_date: addDays(FIXTURE_AS_OF, -2), created_date: addDays(FIXTURE_AS_OF, -40) }
    const known = at({ ...base, stage_entered_date: addDays(FIXTURE_AS_OF, -40) })
    expect(known?.reasons).toContain(`In ${open.stage} 40 days; 90% of won deals leave it within 20`)
    // No stage entry date: the days run from the deal's creation, and the words say so.
    const unknown = at({ ...base, stage_entered_date: null })
    expect(unknown?.daysInStage).toBe(40)
    expect(unknown?.reasons).toContain(
      `In ${open.stage} up to 40 days (no stage entry date; counted from its creation); 90% of won deals leave it within 20`,
    )
    expect(unknown?.reasons.some((r) => r.startsWith(`In ${open.stage} 40 days`))).toBe(false)
    // The health score itself is unchanged by the wording.
    expect(unknown?.healthScore).toBe(known?.healthScore)
    const young = at({ ...base, created_date: addDays(FIXTURE_AS_OF, -5), stage_entered_date: null })
    expect(young?.reasons).toContain(
      `In ${open.stage} up to 5 days (no stage entry date; counted from its creation), within the usual time (half of won deals leave it within 10)`,
    )
  })

  it('as of a day before the latest activity or stage entry, says days idle and stage are not known instead of "today"', () => {
    const day = addDays(FIXTURE_AS_OF, -30)
    const norms = new Map([[open.stage, { median: 10, p90: 20, n: 100 }]])
    const at = (deal: ModelDeal) =>
      scoreDeals(engine, [deal], { asOf: day, idleDays: 14, stageNorms: norms, owners: new OwnerWinHistory(ownerClosesOf(deals)) })[0]
    const later = at({
      ...open,
      created_date: addDays(day, -40),
      last_activity_date: addDays(day, 12),
      stage_entered_date: addDays(day, 5),
    })
    expect(later?.daysIdle).toBeNull()
    expect(later?.daysInStage).toBeNull()
    expect(later?.reasons).toContain(`Days idle on ${day} not known: the last recorded activity is from ${addDays(day, 12)}`)
    expect(later?.reasons).toContain(`Stage on ${day} not known: it entered ${open.stage} on ${addDays(day, 5)}, after that day`)
    expect(later?.reasons.some((r) => /^Last activity today|^In .* 0 days/.test(r))).toBe(false)
    // Neither part can vouch for the deal: the health score is its probability alone.
    expect(later?.health).toMatchObject({ activity: null, pace: null })
    expect(later?.healthScore).toBe(Math.round(100 * (later?.winProbability ?? 0)))
    // Without an activity date, the stand-in date is named.
    const updated = at({
      ...open,
      created_date: addDays(day, -40),
      last_activity_date: null,
      updated_date: addDays(day, 3),
      stage_entered_date: addDays(day, -20),
    })
    expect(updated?.reasons).toContain(
      `Days idle on ${day} not known: no activity recorded, and the record was last updated on ${addDays(day, 3)}`,
    )
    expect(updated?.daysInStage).toBe(20)
    // Known on that day: counted as before.
    const known = at({
      ...open,
      created_date: addDays(day, -40),
      last_activity_date: addDays(day, -20),
      stage_entered_date: addDays(day, -25),
    })
    expect(known?.daysIdle).toBe(20)
    expect(known?.reasons).toContain('No activity for 20 days (the idle limit is 14)')
  })

  it('names a segment value no training deal had, and what it was counted as, instead of stating another value', () => {
    const seen = score({ ...open, lead_source: 'Outbound' })
    // The planted lead-source effect puts lead sources on every path.
    expect(seen?.reasons[0]).toMatch(/ leads/)
    const fresh = score({ ...open, lead_source: 'Webinar' })
    const first = fresh?.reasons[0] as string
    const counted = /^(?:.*, )?Webinar leads \(no closed deals yet, counted as (.+? leads)\)/.exec(first)
    expect(counted, first).not.toBeNull()
    // Its probability is that of the deals it was counted as: the words explain the number.
    const like = ['Inbound', 'Outbound', 'Referral', 'Partner'].map((lead) => score({ ...open, lead_source: lead }))
    expect(like.map((d) => d?.winProbability)).toContain(fresh?.winProbability)
    expect(first.replace(/Webinar leads \(no closed deals yet, counted as (.+? leads)\)/, '$1')).toBe(
      like.find((d) => d?.winProbability === fresh?.winProbability)?.reasons[0],
    )
    for (const d of like) expect(d?.reasons[0]).not.toMatch(/no closed deals yet/)
  })

  it('says an owner had no closed deals before the deal instead of stating a past win rate for them', () => {
    // Owners rep_0-rep_4 win 70%, the others 10%: the owner's past win rate is on every path.
    const random = seededRandom(5)
    const byOwner = syntheticDeals({ n: 1500, seed: 23, signal: false }).map((d) =>
      d.outcome === 'open'
        ? d
        : { ...d, outcome: random() < (Number(d.owner_id.slice(4)) < 5 ? 0.7 : 0.1) ? ('won' as const) : ('lost' as const) },
    )
    const ownerEngine = WinRateDriverEngine.train({
      deals: byOwner,
      ownerCloses: ownerClosesOf(byOwner),
      asOf: FIXTURE_AS_OF,
      staleDays: 30,
    })
    const deal = byOwner.find((d) => d.outcome === 'open') as ModelDeal
    const scoreAs = (owner_id: string) =>
      scoreDeals(ownerEngine, [{ ...deal, owner_id }], {
        asOf: FIXTURE_AS_OF,
        idleDays: 14,
        stageNorms: new Map(),
        owners: new OwnerWinHistory(ownerClosesOf(byOwner)),
      })[0]?.reasons[0] as string
    const known = scoreAs('rep_0')
    expect(known).toMatch(/owner's past win rate/)
    expect(known).not.toMatch(/without closed deals/)
    expect(scoreAs('rep_new')).toMatch(/^(?:.*, )?owner without closed deals before this deal \(counted as owner's past win rate [^)]+\)/)
  })
})

it('writes the deal counts in its reasons with thousands separators, as every other count is written', () => {
  const deals = syntheticDeals({ n: 2500, seed: 22, signal: false })
  const engine = WinRateDriverEngine.train({ deals, ownerCloses: ownerClosesOf(deals), asOf: FIXTURE_AS_OF, staleDays: 30 })
  const open = deals.find((d) => d.outcome === 'open') as ModelDeal
  const owners = new OwnerWinHistory(ownerClosesOf(deals))
  const closed = engine.segmentRates.overall.n
  expect(closed).toBeGreaterThanOrEqual(1000)
  // A region no closed deal had falls back to all closed deals, well over a thousand of them.
  const [scored] = scoreDeals(engine, [{ ...open, region: 'Antarctica' }], {
    asOf: FIXTURE_AS_OF,
    idleDays: 14,
    stageNorms: new Map(),
    owners,
  })
  expect(scored?.reasons).toContain(
    `All closed deals: similar deals won ${Math.round((100 * engine.segmentRates.overall.won) / closed)}% (n=${closed.toLocaleString('en-US')})`,
  )
})
