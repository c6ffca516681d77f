import { findHomeViewUsers } from '../../db/slack-home.js'
import type { SlackClient, SlackContext } from '../app/slack-context.js'
import { pruneChartImages } from './chart-images.js'
import { computeHomeSnapshot } from './home-snapshot.js'
import { publishHome } from './publish-home.js'

/**
 * After each sync (job body, and `/pulse sync`): recompute the company and team snapshots, then
 * republish the Home tab of everyone who has opened it. One user's failure is logged and does not
 * stop the others. Once `signal` is aborted (shutdown) no further view is published: the others
 * are republished by the next refresh, or fresh when their user opens Home. Returns how many views
 * were published.
 */
export async function refreshHomeTabs(ctx: SlackContext, client: SlackClient, signal?: AbortSignal): Promise<number> {
  const asOf = ctx.clock.asOf()
  await computeHomeSnapshot(ctx, null, asOf)
  for (const manager of ctx.roster.managers.keys()) await computeHomeSnapshot(ctx, manager, asOf)
  await pruneChartImages(ctx)
  return republishHomeTabs(ctx, client, signal)
}

/**
 * Republishes the Home tab of everyone who has opened it, each through the one access check
 * under the roster now (after a roster edit: someone taken off it sees a refusal instead of the
 * figures they saw before, a manager the team they have now). Snapshots are reused while they
 * fit. One user's failure is logged and does not stop the others; once `signal` is aborted no
 * further view is published. Returns how many views were published.
 */
export async function republishHomeTabs(ctx: SlackContext, client: SlackClient, signal?: AbortSignal): Promise<number> {
  let published = 0
  const users = await findHomeViewUsers(ctx.store.db)
  for (const [i, user] of users.entries()) {
    if (signal?.aborted) {
      ctx.logger.info({ published, left: users.length - i }, 'Home refresh stopped by a shutdown')
      return published
    }
    try {
      await publishHome(ctx, client, user)
      published++
    } catch (error) {
      ctx.logger.warn({ err: error, user }, 'Home view could not be republished')
    }
  }
  ctx.logger.info({ published }, 'Home tabs refreshed')
  return published
}
