import { formatCount } from '../../analytics/format-figures.js'
import { type RefusedTo, slackRefusalFix } from './slack-refusal-fix.js'

/** Messages Slack refused for good for one reason: how many, and the deals of the stalled-deal DMs among them. */
export interface RefusalGroup {
  /** Slack's error code. */
  readonly reason: string
  readonly count: number
  /** Deals of the refused stalled-deal DMs (digests and alerts have none), in any order. */
  readonly dealIds: readonly string[]
  /** How many of them were managers' digests. */
  readonly digests: number
  /** How many of them were win-rate alerts to the alert channel (none when not given). */
  readonly alerts?: number
}

/** How many deals a line names before it says "and N more". */
const NAMED_DEALS = 5

/**
 * Groups refused messages (a drain's `refused`) by Slack's reason, largest group first, each
 * with its distinct deals sorted.
 */
export function groupRefusals(refused: ReadonlyArray<{ reason: string; kind: string; dealId: string | null }>): RefusalGroup[] {
  const groups = new Map<string, { count: number; dealIds: Set<string>; digests: number; alerts: number }>()
  for (const r of refused) {
    const g = groups.get(r.reason) ?? { count: 0, dealIds: new Set<string>(), digests: 0, alerts: 0 }
    g.count++
    if (r.kind === 'digest') g.digests++
    else if (r.kind === 'anomaly') g.alerts++
    else if (r.dealId !== null) g.dealIds.add(r.dealId)
    groups.set(r.reason, g)
  }
  return [...groups]
    .map(([reason, g]) => ({ reason, count: g.count, dealIds: [...g.dealIds].sort(), digests: g.digests, alerts: g.alerts }))
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1))
}

/** Where a group's messages were going: the alert channel, DMs, or some of each. */
export function refusedTo(g: Pick<RefusalGroup, 'count' | 'alerts'>): RefusedTo {
  const alerts = g.alerts ?? 0
  return alerts === 0 ? 'dm' : alerts >= g.count ? 'channel' : 'both'
}

/**
 * One sentence per reason for messages Slack refused for good: the reason, how many, which deals
 * (at most 5 named), managers' digests and win-rate alerts, and what to do (`slackRefusalFix`). No token or secret is in them: Slack's
 * code and deal ids only.
 *
 * @example describeRefusals([{ reason: 'user_disabled', count: 2, dealIds: ['D1', 'D2'], digests: 0 }])
 * // ["user_disabled, 2 messages (deals D1, D2): the recipient's Slack account is deactivated: ..."]
 */
export function describeRefusals(groups: readonly RefusalGroup[]): string[] {
  return groups.map((g) => {
    const ids = [...g.dealIds].sort()
    const named =
      ids.slice(0, NAMED_DEALS).join(', ') + (ids.length > NAMED_DEALS ? ` and ${formatCount(ids.length - NAMED_DEALS)} more` : '')
    const which = [
      ...(ids.length === 0 ? [] : [`${ids.length === 1 ? 'deal' : 'deals'} ${named}`]),
      ...(g.digests === 0 ? [] : [g.digests === 1 ? "a manager's digest" : `${formatCount(g.digests)} managers' digests`]),
      ...(!g.alerts ? [] : [g.alerts === 1 ? 'the win-rate alert' : `${formatCount(g.alerts)} win-rate alerts`]),
    ]
    const deals = which.length === 0 ? '' : ` (${which.join('; ')})`
    return `${g.reason}, ${g.count === 1 ? '1 message' : `${formatCount(g.count)} messages`}${deals}: ${slackRefusalFix(g.reason, refusedTo(g))}.`
  })
}
