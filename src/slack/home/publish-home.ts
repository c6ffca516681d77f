import { createHash } from 'node:crypto'
import { countOpenDeals } from '../../db/count-open-deals.js'
import { hasAnyDeal } from '../../db/has-any-deal.js'
import { saveHomeView } from '../../db/slack-home.js'
import { writeUnlessBusy } from '../../db/write-unless-busy.js'
import { authorize, NO_DEALS_YET, scopeOwnerIds } from '../access/authorize.js'
import { resolveViewer } from '../access/resolve-viewer.js'
import { slackErrorCode } from '../access/slack-user-directory.js'
import type { Viewer } from '../access/viewer.js'
import { afterShortRateLimit } from '../app/after-short-rate-limit.js'
import type { DealCard } from '../app/pulse-services.js'
import type { SlackClient, SlackContext } from '../app/slack-context.js'
import { SLACK_SIDE_ERRORS } from '../app/slack-side-errors.js'
import { buildHomeView, type HomeContent, type HomeView } from './build-home-view.js'
import { chartTokenHashesIn } from './chart-images.js'
import { loadHomeSnapshot } from './home-snapshot.js'
import { noteHomeTabShown } from './home-tab-disabled.js'

/** Open deals a rep's Home lists. */
const OWN_DEALS_SHOWN = 20

/** The longest Retry-After (seconds) a Home publish waits out, once; a longer one fails it at once. */
export const HOME_MAX_RETRY_AFTER_S = 10

/**
 * What the viewer's Home shows, decided by the one access check: the company snapshot for
 * executives, the team snapshot for managers, their own open deals by health for owners, a
 * refusal with no data for anyone else. Snapshots are precomputed (see `refreshHomeTabs`).
 */
export async function homeContentFor(ctx: SlackContext, viewer: Viewer): Promise<HomeContent> {
  const decision = authorize(viewer, { kind: 'home' })
  // Before the first import, everyone on the roster is told that (a manager is not sent to check the roster's emails).
  if (viewer.role !== 'none' && !(await hasAnyDeal(ctx.store.db))) return { kind: 'refused', message: NO_DEALS_YET }
  if (!decision.allowed) return { kind: 'refused', message: decision.message }
  const asOf = ctx.clock.asOf()
  if (viewer.role === 'executive') return { kind: 'company', snapshot: await loadHomeSnapshot(ctx, null, asOf) }
  if (viewer.role === 'manager' && viewer.email) return { kind: 'team', snapshot: await loadHomeSnapshot(ctx, viewer.email, asOf) }
  // One more than shown, to know whether the list is the whole of it.
  const ownerIds = scopeOwnerIds(decision.scope)
  const found = await ctx.services.openDealsByHealth(ctx.store.db, ownerIds, asOf, OWN_DEALS_SHOWN + 1)
  const deals = await withHealthAsOf(ctx, found.slice(0, OWN_DEALS_SHOWN), asOf)
  if (found.length <= OWN_DEALS_SHOWN) return { kind: 'own', deals, asOf }
  // The list is cut: say of how many.
  return { kind: 'own', deals, more: true, total: await countOpenDeals(ctx.store.db, ownerIds), asOf }
}

/**
 * The deals with their health as of `asOf`: a score stored for another day (the last sync or
 * `pulse score` before it) is computed again, so its reasons count the days idle and in stage the
 * line states; the scored deals stay least healthy first.
 */
async function withHealthAsOf(ctx: SlackContext, deals: readonly DealCard[], asOf: string): Promise<DealCard[]> {
  const scored = deals.filter((d) => d.health !== null).map((d) => d.dealId)
  if (scored.length === 0) return [...deals]
  const health = await ctx.services.dealHealth(ctx.store.db, scored, asOf)
  const cards = deals.map((d) => ({ ...d, health: health.get(d.dealId) ?? d.health }))
  // Unscored deals keep their place after the scored ones (largest first).
  const rescored = cards.filter((d) => d.health !== null).sort((a, b) => (a.health?.healthScore ?? 0) - (b.health?.healthScore ?? 0))
  return [...rescored, ...cards.filter((d) => d.health === null)]
}

/** A Home view refused with an error on Slack's side (`SLACK_SIDE_ERRORS`) is sent again after each of these waits. */
const TRANSIENT_WAITS_MS = [500, 1000] as const

async function sendView(ctx: SlackContext, slackUserId: string, view: HomeView) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await afterShortRateLimit(() => ctx.uploadClient.views.publish({ user_id: slackUserId, view }), HOME_MAX_RETRY_AFTER_S)
    } catch (error) {
      const wait = TRANSIENT_WAITS_MS[attempt]
      if (wait === undefined || !SLACK_SIDE_ERRORS.has(slackErrorCode(error) ?? '')) throw error
      await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }
}

/**
 * Publishes the Home tab of `slackUserId` (`views.publish`) and records it, so it is republished
 * after each sync (unless another process holds the store for writing then). Returns the view.
 * The view goes through `ctx.uploadClient`, which throws on 429 rather than holding every other
 * Web API call of the app for the Retry-After: a wait of up to {@link HOME_MAX_RETRY_AFTER_S}
 * seconds is waited out once; a longer one throws (Slack's `ratelimited`, with its `retryAfter`).
 * A Slack error that may pass (`internal_error`, ...) is tried again twice, 0.5 and 1 s apart.
 * Publishes for one person run one after another, in the order asked (two quick opens, or an
 * open and the refresh after a sync), so the newest view is the one Slack takes last.
 */
export async function publishHome(ctx: SlackContext, client: SlackClient, slackUserId: string): Promise<HomeView> {
  // One at a time per person: a view is computed and sent only once Slack has taken the one before,
  // so the tab ends on the newest figures even when Slack is slow to take a view.
  const users = publishing.get(ctx) ?? new Map<string, Promise<HomeView>>()
  publishing.set(ctx, users)
  const mine = settledOrLater(users.get(slackUserId), PREVIOUS_PUBLISH_WAIT_MS).then(() => publishHomeNow(ctx, client, slackUserId))
  users.set(slackUserId, mine)
  try {
    return await mine
  } finally {
    if (users.get(slackUserId) === mine) users.delete(slackUserId)
  }
}

/** Each person's Home publish in progress, per app. */
const publishing = new WeakMap<SlackContext, Map<string, Promise<HomeView>>>()

/**
 * The Slack user ids whose Home view this app is publishing now: a view Slack has taken is
 * recorded for the republish after a sync only once Slack's answer is back, so a refresh
 * starting meanwhile adds these to the recorded ones.
 */
export function homePublishesInFlight(ctx: SlackContext): string[] {
  return [...(publishing.get(ctx)?.keys() ?? [])]
}

/**
 * How long a Home publish waits for the person's previous one (a `views.publish` times out after
 * 30 s): one stuck on Slack (a call that never returns) does not hold their later views for good.
 */
const PREVIOUS_PUBLISH_WAIT_MS = 35_000

// Resolves once `previous` has settled (either way), or after `ms`, whichever comes first.
function settledOrLater(previous: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!previous) return Promise.resolve()
  let timer: NodeJS.Timeout | undefined
  const later = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  return Promise.race([previous.then(noop, noop), later]).finally(() => clearTimeout(timer))
}

function noop(): void {}

async function publishHomeNow(ctx: SlackContext, client: SlackClient, slackUserId: string): Promise<HomeView> {
  const viewer = await resolveViewer(ctx, client, slackUserId)
  const view = buildHomeView(await homeContentFor(ctx, viewer))
  const res = await sendView(ctx, slackUserId, view)
  noteHomeTabShown(ctx)
  const hash = res.view?.hash ?? createHash('sha1').update(JSON.stringify(view)).digest('hex')
  // Bookkeeping for the republish after a sync: while another process writes to the store (an
  // import) it is skipped rather than waited for, and the published view stands.
  const at = ctx.clock.now()
  await writeUnlessBusy(ctx.store.db, (db) =>
    saveHomeView(db, {
      slackUserId,
      role: viewer.role,
      blockCount: view.blocks.length,
      hash,
      at,
      chartHashes: chartTokenHashesIn(view.blocks),
    }),
  )
  return view
}
