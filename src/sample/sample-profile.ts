/**
 * The fictional company behind `pulse sample` (Acme's B2B sales team) and the effects planted
 * in its deals. docs/sample.md tells the story these numbers make.
 */

/** Regions, with their share of owners (each owner sells in one region). */
export const REGIONS = [
  { name: 'North America', share: 0.4 },
  { name: 'EMEA', share: 0.3 },
  { name: 'APAC', share: 0.2 },
  { name: 'LATAM', share: 0.1 },
] as const

/** Industries: share of deals and a small effect on the log-odds of winning (planted mode only). */
export const INDUSTRIES = [
  { name: 'SaaS', share: 0.24, effect: 0.1 },
  { name: 'FinTech', share: 0.18, effect: 0 },
  { name: 'HealthTech', share: 0.16, effect: -0.1 },
  { name: 'Ecommerce', share: 0.16, effect: 0.05 },
  { name: 'EdTech', share: 0.12, effect: -0.05 },
  { name: 'Manufacturing', share: 0.14, effect: 0 },
] as const

/** Products: share, median amount and spread (log-normal), effect on log-odds. */
export const PRODUCTS = [
  { name: 'Core', share: 0.42, medianAmount: 12_000, sigma: 0.75, effect: 0.05 },
  { name: 'Pro', share: 0.36, medianAmount: 34_000, sigma: 0.6, effect: 0 },
  { name: 'Enterprise', share: 0.22, medianAmount: 80_000, sigma: 0.55, effect: -0.1 },
] as const

/** Lead sources: share and effect on log-odds (referrals win most, cold outbound least). */
export const LEAD_SOURCES = [
  { name: 'Inbound', share: 0.3, effect: 0.1 },
  { name: 'Outbound', share: 0.25, effect: -0.45 },
  { name: 'Referral', share: 0.17, effect: 0.55 },
  { name: 'Partner', share: 0.16, effect: 0.25 },
  { name: 'Event', share: 0.12, effect: -0.1 },
] as const

/** The open stages in order; won deals end in `Closed`. */
export const SAMPLE_STAGES = ['Qualified', 'Demo', 'Proposal', 'Negotiation', 'Closed'] as const

/** Days of created-date history the sample covers, ending at "as of". */
export const HISTORY_DAYS = 730

/** Knobs of one generation mode. */
export interface SampleEffects {
  /** Log-odds of winning for a deal with no other effect. */
  baseLogOdds: number
  /** Constant win probability instead of the model below (`--patterns none`). */
  flatWinProbability: number | null
  /** Log-odds per unit of ln(amount / 25,000): larger deals win less often. */
  amountEffect: number
  /** Spread (standard deviation of log-odds) of owner skill. */
  ownerSkillSpread: number
  /** Log-odds added for region EMEA x amount band 50k-100k. */
  segmentPenalty: number
  /** Log-odds added for deals created in the last ~5 months (the recent win-rate drop). */
  recentDropPenalty: number
  /** Share of lost deals by the stage they were lost at (Qualified, Demo, Proposal, Negotiation). */
  lostAtShares: readonly [number, number, number, number]
  /** Share of deals that go quiet mid-cycle (zombies). */
  zombieRate: number
  /**
   * True: a lost zombie is lost at the stage it went quiet in (clean-ups hit early stages more).
   * False: it goes quiet during the stage it is lost at, so zombies move no loss between stages.
   */
  zombieLostWhereQuiet: boolean
  /** Share of open deals >= 50,000 that have gone quiet for 14-35 days. */
  highValueStallRate: number
  /** Share of other open deals that have gone quiet for 14-35 days. */
  otherStallRate: number
}

/**
 * Shares of lost deals by stage (four open stages) when every stage converts the same share c of
 * the deals that reach it and c^4 = `winProbability`: stage i holds (1 - c) c^i of all deals.
 */
function equalHazardShares(winProbability: number): [number, number, number, number] {
  const c = winProbability ** 0.25
  const share = (i: number) => ((1 - c) * c ** i) / (1 - winProbability)
  return [share(0), share(1), share(2), share(3)]
}

/** The planted story (the default). */
export const PLANTED_EFFECTS: SampleEffects = {
  baseLogOdds: -0.62,
  flatWinProbability: null,
  amountEffect: -0.22,
  ownerSkillSpread: 0.35,
  segmentPenalty: -0.7,
  recentDropPenalty: -0.85,
  lostAtShares: [0.14, 0.15, 0.17, 0.54],
  zombieRate: 0.07,
  zombieLostWhereQuiet: true,
  highValueStallRate: 0.35,
  otherStallRate: 0.08,
}

/**
 * `--patterns none`: the same kind of data with nothing planted. Every deal wins with the same
 * probability, every stage leaks the same share of the deals that reach it, and quiet deals are
 * spread evenly over amounts.
 */
export const FLAT_EFFECTS: SampleEffects = {
  baseLogOdds: 0,
  flatWinProbability: 0.3,
  amountEffect: 0,
  ownerSkillSpread: 0,
  segmentPenalty: 0,
  recentDropPenalty: 0,
  // Each of the four open stages converts the same share c of the deals that reach it, c^4 = 0.30.
  lostAtShares: equalHazardShares(0.3),
  zombieRate: 0.04,
  zombieLostWhereQuiet: false,
  highValueStallRate: 0.08,
  otherStallRate: 0.08,
}
