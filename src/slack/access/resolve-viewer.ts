import { findOwnerIdsByEmail } from '../../db/find-owner-ids-by-email.js'
import { afterShortRateLimit } from '../app/after-short-rate-limit.js'
import type { SlackClient, SlackContext } from '../app/slack-context.js'
import type { Roster } from './load-roster.js'
import { emailOfSlackUser } from './slack-user-directory.js'
import type { Viewer } from './viewer.js'

/** The longest Retry-After (seconds) of `users.info` waited out, once, for someone asking. */
export const VIEWER_MAX_RETRY_AFTER_S = 10

/**
 * Who is asking: Slack id -> email (`users.info`, cached) -> role from the roster, else deal
 * owner (by email, or listed on a manager's team), else nobody. Executives get every deal;
 * managers their team's owners and their own; owners their own.
 *
 * @throws AppError `not_allowed` (`REFUSAL_OTHER_WORKSPACE`) with `PULSE_SLACK_OTHER_WORKSPACES=refuse`
 * when Slack says the person's own workspace is not the app's (a Slack Connect user of another organization: see `emailOfSlackUser`).
 * @throws Slack's `ratelimited` (with its `retryAfter`) when `users.info` is rate-limited for
 * longer than {@link VIEWER_MAX_RETRY_AFTER_S} seconds (a `client` that throws on 429), so the
 * asker is told to try again rather than kept waiting.
 */
export async function resolveViewer(ctx: SlackContext, client: SlackClient, slackUserId: string): Promise<Viewer> {
  const email = await afterShortRateLimit(
    () =>
      emailOfSlackUser(
        ctx.store.db,
        client,
        slackUserId,
        ctx.clock.now(),
        ctx.ownWorkspace.current,
        ctx.config.slackOtherWorkspaces === 'refuse',
      ),
    VIEWER_MAX_RETRY_AFTER_S,
  )
  return viewerForEmail(ctx, slackUserId, email)
}

/**
 * The {@link Viewer} for a known email (no Slack call): the roster decides, then deal ownership.
 * The email is matched case-insensitively and without surrounding spaces; null or blank: nobody.
 */
export async function viewerForEmail(
  ctx: Pick<SlackContext, 'store' | 'roster'>,
  slackUserId: string,
  rawEmail: string | null,
): Promise<Viewer> {
  const email = rawEmail?.trim().toLowerCase() || null
  if (email === null) return { slackUserId, email, role: 'none', admin: false, ownerIds: [], teamEmails: [] }
  const roster: Roster = ctx.roster
  const admin = roster.admins.has(email)
  if (roster.executives.has(email)) return { slackUserId, email, role: 'executive', admin, ownerIds: null, teamEmails: [] }
  const team = roster.managers.get(email)
  if (team) {
    const teamEmails = [...team]
    const ownerIds = await findOwnerIdsByEmail(ctx.store.db, [email, ...teamEmails])
    return { slackUserId, email, role: 'manager', admin, ownerIds, teamEmails }
  }
  const own = await findOwnerIdsByEmail(ctx.store.db, [email])
  // A rep on a manager's team is a deal owner before their first deal arrives (told so, not refused as unknown).
  const onTeam = [...roster.managers.values()].some((members) => members.has(email))
  return { slackUserId, email, role: own.length > 0 || onTeam ? 'owner' : 'none', admin, ownerIds: own, teamEmails: [] }
}
