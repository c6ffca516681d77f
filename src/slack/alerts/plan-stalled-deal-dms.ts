import type { StalledDeal } from '../../analytics/report-types.js'
import { todayOf } from '../../config.js'
import { withJobLock } from '../../db/acquire-job-lock.js'
import { findDealLinks } from '../../db/find-deal-links.js'
import {
  deleteSkippedOutbox,
  enqueueOutboxMessage,
  findExistingOutboxKeys,
  findSkippedForNoSlackUser,
  skipPendingOutbox,
} from '../../db/slack-outbox.js'
import { findSnoozedDealIds } from '../../db/slack-snoozes.js'
import { endStallEpisode, findOpenStallEpisodes, openStallEpisode } from '../../db/slack-stall-episodes.js'
import { ROWS_PER_YIELD, yieldToEventLoop } from '../../yield-to-event-loop.js'
import { MISS_TTL_MS } from '../access/slack-user-directory.js'
import type { SlackContext } from '../app/slack-context.js'
import { decideStallActions, lastActivityOfStalled } from './decide-stall-actions.js'
import { stallDmMessage } from './stall-dm-message.js'

/** One DM that is (or, in a dry run, would be) queued: the contract's `alerts --dry-run` row. */
export interface PlannedAlert {
  readonly dealId: string
  readonly ownerEmail: string | null
  readonly amount: number
  /** The deal's currency as stored (null: not stated, written as dollars). */
  readonly currency: string | null
  readonly stage: string
  readonly daysIdle: number
  /** The date `daysIdle` runs from: `activity`, or with no activity recorded `update`, `stage` or `created`. */
  readonly idleFrom: StalledDeal['idleFrom']
}

/** What planning needs: no Slack client (a dry run works without Slack credentials). */
export type StallPlanDeps = Pick<SlackContext, 'store' | 'config' | 'services' | 'logger' | 'clock'>

/** What planning did. */
export interface StallPlan {
  readonly asOf: string
  readonly alerts: PlannedAlert[]
  readonly stalled: number
  readonly episodesOpened: number
  readonly episodesEnded: number
  /**
   * Open deals left out because their only recorded activity is after `asOf` (a past "as of"):
   * whether they were stalled then cannot be told. Zero when "as of" is today.
   */
  readonly noActivityByAsOf: { readonly count: number; readonly amount: number }
  /** Deals open on `asOf` that have closed since (a past "as of"): not counted, as in the stalled report. Zero when "as of" is today. */
  readonly closedSince: number
  /** Of `closedSince`, the deals whose close date is after the newest record (or today): planned closes, as in the stalled report. */
  readonly plannedCloses: { readonly count: number; readonly newestRecord: string | null }
  /** The currencies of the deals `noActivityByAsOf` counts (null: not stated), whose amounts it adds up without conversion. */
  readonly noActivityByAsOfCurrencies: readonly (string | null)[]
}

/** The lock row that keeps two plans (the scheduled job, `pulse alerts`, on any instance) from running at once. */
export const STALL_PLAN_LOCK = 'plan:stalled-deal-dms'

/**
 * Compares the stalled deals as of `asOf` with the open stall episodes and, unless `dryRun`,
 * ends finished episodes, opens new ones and records one owner DM per episode in the outbox
 * (`stall:<episode id>`), before anything is sent; the DM of an ended episode that is still
 * waiting to be sent is dropped (settled as `skipped`). Safe to run again at any point: an episode's
 * DM is recorded at most once. Plans that write run one at a time across every process sharing
 * the database (lock row {@link STALL_PLAN_LOCK}; a second waits for the first, then finds its
 * episodes), so two of them at once never open two episodes, and two DMs, for one deal; an
 * abort of `options.signal` (shutdown) ends that wait at once, with an error, planning nothing.
 * A dry run writes nothing and lists who would be DMed.
 */
export async function planStalledDealDms(
  ctx: StallPlanDeps,
  options: { asOf: string; dryRun?: boolean; signal?: AbortSignal },
): Promise<StallPlan> {
  if (options.dryRun) return planOnce(ctx, options)
  return withJobLock(ctx.store.db, STALL_PLAN_LOCK, () => planOnce(ctx, options), {
    ttlMs: 2 * 60_000,
    waitMs: 5 * 60_000,
    ...(options.signal ? { signal: options.signal } : {}),
  })
}

async function planOnce(ctx: StallPlanDeps, options: { asOf: string; dryRun?: boolean }): Promise<StallPlan> {
  const db = ctx.store.db
  const { asOf } = options
  const c = ctx.config
  const report = await ctx.services.stalled(db, {
    asOf,
    limit: 0,
    // DMs go about deals open now: a deal closed since a past "as of" is no one's to act on.
    openNow: true,
    // A close dated after the app's today (`PULSE_AS_OF`, else today in `PULSE_TZ`) is planned, as in `pulse report stalled`.
    today: todayOf(c),
    rules: { alertAmount: c.alertAmount, idleDays: c.idleDays, staleDays: c.staleDays },
  })
  const episodes = await findOpenStallEpisodes(db)
  const snoozed = await findSnoozedDealIds(db, asOf)
  const keys = [...episodes.values()].map((e) => `stall:${e.episode_id}`)
  const queuedKeys = await findExistingOutboxKeys(db, keys)
  // A DM skipped because Slack knew nobody with the owner's email is tried again once that miss
  // has stood its MISS_TTL_MS (the owner may have joined since): one lookup by the next day's run, never a loop.
  const retry = await findSkippedForNoSlackUser(db, keys, new Date(ctx.clock.now().getTime() - MISS_TTL_MS))
  const queued = (id: number) => queuedKeys.has(`stall:${id}`) && !retry.has(`stall:${id}`)
  const actions = decideStallActions(report.stalled, episodes, snoozed, queued, asOf, c.idleDays)
  const alerts: PlannedAlert[] = actions.notify.map((d) => ({
    dealId: d.dealId,
    ownerEmail: d.ownerEmail,
    amount: d.amount,
    currency: d.currency ?? null,
    stage: d.stage,
    daysIdle: d.daysIdle,
    idleFrom: d.idleFrom,
  }))
  const summary = {
    asOf,
    alerts,
    stalled: report.stalledCount,
    noActivityByAsOf: report.noActivityByAsOf,
    closedSince: report.closedSince,
    plannedCloses: report.plannedCloses,
    noActivityByAsOfCurrencies: report.noActivityByAsOfCurrencies ?? [],
  }
  if (options.dryRun) return { ...summary, episodesOpened: actions.open.length, episodesEnded: actions.end.length }

  // Each loop below writes a row per deal: it lets Slack's requests in every ROWS_PER_YIELD rows.
  for (const [i, e] of actions.end.entries()) {
    if (i > 0 && i % ROWS_PER_YIELD === 0) await yieldToEventLoop()
    await endStallEpisode(db, e.episodeId, { endedOn: asOf, reason: e.reason })
  }
  // A DM still waiting (Slack refused it, or was down) speaks of a stall that is over, or to an
  // owner the deal no longer has: it is not sent.
  await skipPendingOutbox(
    db,
    actions.end.map((e) => `stall:${e.episodeId}`),
    'the stall ended before the DM was delivered',
  )
  const episodeOf = new Map<string, number>()
  for (const [dealId, ep] of episodes) episodeOf.set(dealId, ep.episode_id)
  for (const [i, d] of actions.open.entries()) {
    if (i > 0 && i % ROWS_PER_YIELD === 0) await yieldToEventLoop()
    const id = await openStallEpisode(db, {
      dealId: d.dealId,
      ownerEmail: d.ownerEmail,
      startedOn: asOf,
      activityMark: lastActivityOfStalled(d, asOf),
    })
    episodeOf.set(d.dealId, id)
  }
  await deleteSkippedOutbox(
    db,
    actions.notify.map((d) => `stall:${episodeOf.get(d.dealId)}`).filter((k) => retry.has(k)),
  )
  await enqueueStallDms(ctx, actions.notify, episodeOf, asOf)
  ctx.logger.info(
    { asOf, stalled: report.stalledCount, queued: alerts.length, opened: actions.open.length, ended: actions.end.length },
    'stalled-deal DMs planned',
  )
  return { ...summary, episodesOpened: actions.open.length, episodesEnded: actions.end.length }
}

async function enqueueStallDms(
  ctx: StallPlanDeps,
  deals: readonly StalledDeal[],
  episodeOf: ReadonlyMap<string, number>,
  asOf: string,
): Promise<void> {
  const db = ctx.store.db
  for (let i = 0; i < deals.length; i += ROWS_PER_YIELD) {
    if (i > 0) await yieldToEventLoop()
    const chunk = deals.slice(i, i + ROWS_PER_YIELD)
    const ids = chunk.map((d) => d.dealId)
    const links = await findDealLinks(db, ids)
    const health = await ctx.services.dealHealth(db, ids, asOf)
    for (const d of chunk) {
      await enqueueOutboxMessage(db, {
        dedupeKey: `stall:${episodeOf.get(d.dealId)}`,
        kind: 'stall_dm',
        dealId: d.dealId,
        recipientEmail: d.ownerEmail ?? links.get(d.dealId)?.ownerEmail ?? null,
        channelId: null,
        payload: stallDmMessage(d, links.get(d.dealId), health.get(d.dealId), asOf),
        now: ctx.clock.now(),
      })
    }
  }
}
