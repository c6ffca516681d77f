import type { StalledDeal } from '../../analytics/report-types.js'
import type { StallEpisodeRow } from '../../db/schema-slack.js'
import { addDays } from '../../domain/dates.js'

/** What to do about stall episodes on one run. */
export interface StallActions {
  /** Episodes to end: the deal is no longer stalled, had activity since the episode began, or has another owner now. */
  readonly end: ReadonlyArray<{
    readonly episodeId: number
    readonly dealId: string
    readonly reason: 'not_stalled' | 'activity' | 'owner_changed'
  }>
  /** Stalled deals that need a new episode (none open, or the open one just ended). */
  readonly open: readonly StalledDeal[]
  /** Stalled deals whose owner should get their episode's DM now (not snoozed, not yet queued). */
  readonly notify: readonly StalledDeal[]
}

/** The date of a stalled deal's last activity, from its idle days. */
export function lastActivityOfStalled(deal: StalledDeal, asOf: string): string {
  return addDays(asOf, -deal.daysIdle)
}

/**
 * Decides episode changes and DMs for one run (pure). An episode ends when its deal is no longer
 * stalled or shows newer activity after which it was not yet stalled (idle under `idleDays`) on
 * the day the episode began: it stalled again since, starts a new episode, and gets a new DM.
 * Newer activity that still left the deal stalled that day (an import that brings in an older
 * call) only corrects the quiet spell its owner was told about, and gets no second DM. A stalled deal handed to another owner (by email, in any case)
 * starts a new episode too, so its new owner is told. A snoozed deal keeps (or opens) its episode but gets no DM until
 * the snooze ends. `queued(episodeId)` says whether the episode's DM is already in the outbox.
 */
export function decideStallActions(
  stalled: readonly StalledDeal[],
  openEpisodes: ReadonlyMap<string, StallEpisodeRow>,
  snoozed: ReadonlySet<string>,
  queued: (episodeId: number) => boolean,
  asOf: string,
  idleDays: number,
): StallActions {
  const end: Array<StallActions['end'][number]> = []
  const open: StalledDeal[] = []
  const notify: StalledDeal[] = []
  const stalledIds = new Set(stalled.map((d) => d.dealId))
  for (const [dealId, ep] of openEpisodes) {
    if (!stalledIds.has(dealId)) end.push({ episodeId: ep.episode_id, dealId, reason: 'not_stalled' })
  }
  for (const deal of stalled) {
    const ep = openEpisodes.get(deal.dealId)
    const activity = lastActivityOfStalled(deal, asOf)
    let fresh = !ep
    if (ep && (ep.owner_email ?? '').toLowerCase() !== (deal.ownerEmail ?? '').toLowerCase()) {
      end.push({ episodeId: ep.episode_id, dealId: deal.dealId, reason: 'owner_changed' })
      fresh = true
    } else if (ep && activity > ep.activity_mark && addDays(activity, idleDays) > ep.started_on) {
      end.push({ episodeId: ep.episode_id, dealId: deal.dealId, reason: 'activity' })
      fresh = true
    }
    if (fresh) open.push(deal)
    if (snoozed.has(deal.dealId)) continue
    if (fresh || (ep && !queued(ep.episode_id))) notify.push(deal)
  }
  return { end, open, notify }
}
