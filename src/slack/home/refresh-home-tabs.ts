import { findHomeViewUsers } from '../../db/slack-home.js'
import { rateLimitRetryAfter } from '../app/after-short-rate-limit.js'
import { recordIfTokenRefused, slackPauseReason } from '../app/bot-token-refusal.js'
import type { SlackClient, SlackContext } from '../app/slack-context.js'
import { pruneChartImages } from './chart-images.js'
import { computeHomeSnapshot } from './home-snapshot.js'
import { isHomeTabDisabled, noteHomeTabDisabled } from './home-tab-disabled.js'
import { homePublishesInFlight, publishHome } from './publish-home.js'

/**
 * After each sync (job body, and `/pulse sync`): recompute the company and team snapshots, then
 * republish the Home tab of everyone who has opened it, then prune the charts no snapshot or
 * published view names any more (`pruneChartImages`). One user's failure is logged and does not
 * stop the others. Once `signal` is aborted (shutdown) no further view is published: the others
 * are republished by the next refresh, or fresh when their user opens Home. A rate limit on
 * `views.publish` pauses this refresh (not the app's other Slack calls) for its Retry-After.
 * Returns how many views were published.
 */
export async function refreshHomeTabs(ctx: SlackContext, client: SlackClient, signal?: AbortSignal): Promise<number> {
  const asOf = ctx.clock.asOf()
  await computeHomeSnapshot(ctx, null, asOf)
  for (const manager of ctx.roster.managers.keys()) await computeHomeSnapshot(ctx, manager, asOf)
  const published = await republishHomeTabs(ctx, client, signal)
  // After the republish: the charts the new views replaced are named by none of them now.
  await pruneChartImages(ctx)
  return published
}

/**
 * Republishes the Home tab of everyone who has opened it (or is opening it now), each through the one access check
 * under the roster now (after a roster edit: someone taken off it sees a refusal instead of the
 * figures they saw before, a manager the team they have now). Snapshots are reused while they
 * fit. One user's failure is logged and does not stop the others; once `signal` is aborted no
 * further view is published. While Slack no longer accepts the bot token (see `slackPauseReason`)
 * none is tried; a refusal of the token met on the way stops the pass, and so does a Home tab
 * turned off in the app's settings (`not_enabled`, logged once). Returns how many views were published.
 */
export async function republishHomeTabs(ctx: SlackContext, client: SlackClient, signal?: AbortSignal): Promise<number> {
  let published = 0
  if ((await slackPauseReason(ctx)) !== null) {
    ctx.logger.info('Home tabs not republished: Slack no longer accepts the bot token')
    return published
  }
  // Someone whose first Home view is on its way is not recorded yet, and is republished too.
  const users = [...new Set([...(await findHomeViewUsers(ctx.store.db)), ...homePublishesInFlight(ctx)])].sort()
  for (const [i, user] of users.entries()) {
    if (signal?.aborted) {
      ctx.logger.info({ published, left: users.length - i }, 'Home refresh stopped by a shutdown')
      return published
    }
    try {
      await publishHome(ctx, client, user).catch(async (error) => {
        // A long rate limit: this refresh waits it out (only it), then tries the view once more.
        const retryAfter = rateLimitRetryAfter(error)
        if (retryAfter === null || !(await sleepUnlessAborted(retryAfter * 1000, signal))) throw error
        return publishHome(ctx, client, user)
      })
      published++
    } catch (error) {
      // Every other view would be refused the same way: stop here.
      if (await recordIfTokenRefused(ctx, error)) {
        ctx.logger.info({ published, left: users.length - i }, 'Home refresh stopped: Slack refused the bot token')
        return published
      }
      // The Home tab is turned off in the app's settings: every other view would be refused alike.
      if (isHomeTabDisabled(error)) {
        noteHomeTabDisabled(ctx)
        return published
      }
      ctx.logger.warn({ err: error, user }, 'Home view could not be republished')
    }
  }
  ctx.logger.info({ published }, 'Home tabs refreshed')
  return published
}

// Waits `ms` unless `signal` aborts first; false when aborted.
function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      resolve(ok)
    }
    const onAbort = () => done(false)
    const timer = setTimeout(() => done(true), ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
