import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema.js'
import { findCachedEmailOfSlackUser, findCachedSlackUser, saveSlackUserLookup } from '../../db/slack-user-cache.js'
import { writeUnlessBusy } from '../../db/write-unless-busy.js'
import { AppError } from '../../errors.js'
import type { Logger } from '../../log/create-logger.js'
import type { SlackClient } from '../app/slack-context.js'
import { type OwnWorkspace, REFUSAL_OTHER_WORKSPACE } from './request-workspace.js'

/**
 * How long a remembered miss (an email Slack did not know) stands before Slack is asked again:
 * most of a day, not a full one, so that a job at the same time each day (the weekday DMs) asks
 * again on the next day's run, which starts a moment less than 24 hours after the miss was
 * recorded, and not only on the day after that.
 */
export const MISS_TTL_MS = 20 * 3_600_000

/**
 * How long a found email -> Slack id answer is trusted before Slack is asked again (an account
 * deactivated and recreated for the same email gets a new id: DMs must follow it).
 */
export const HIT_TTL_MS = 7 * 24 * 3_600_000

/** How long a Slack id -> email answer is trusted. */
const EMAIL_TTL_MS = 24 * 3_600_000

// `foreign`: Slack says the person's own workspace is another than the app's.
const emailByUser = new Map<string, { email: string | null; at: number; foreign?: true }>()

/**
 * Whether a `users.info` user belongs to another workspace than `own`: their `team_id` is neither
 * the app's workspace nor (on Enterprise Grid) its organization, and their `enterprise_user` (Grid)
 * names no organization of the app's. A user object naming no team is not taken as foreign.
 */
function isForeignUser(user: { team_id?: string; enterprise_user?: { enterprise_id?: string } }, own: OwnWorkspace): boolean {
  if (!user.team_id || user.team_id === own.teamId || user.team_id === own.enterpriseId) return false
  return own.enterpriseId === undefined || user.enterprise_user?.enterprise_id !== own.enterpriseId
}

/** A `users.lookupByEmail` user, as far as who may be DMed goes. */
interface LookedUpUser {
  id?: string
  team_id?: string
  deleted?: boolean
  is_bot?: boolean
  enterprise_user?: { enterprise_id?: string; teams?: string[] }
}

/** Why a user Slack found for an email is not DMed (see {@link unreachableReason}). */
export type UnreachableReason = 'deactivated' | 'bot' | 'other_workspace'

/**
 * Why a user `users.lookupByEmail` returned must not be DMed, or null when they may be: a
 * deactivated account (`deleted`), a bot (`is_bot`), or, with `own` (the app's workspace), a
 * person Slack places in another workspace: a `team_id` that is neither the app's workspace nor
 * its Grid organization (on Enterprise Grid, `users.lookupByEmail` searches the whole
 * organization; outside it, a Slack Connect user of another organization), unless their
 * `enterprise_user.teams` lists the app's workspace (a Grid member of several workspaces) or the
 * app is installed for their whole organization (`teamId` = `enterpriseId`). A user naming no
 * `team_id` is not taken as another workspace's. Pure.
 *
 * @example unreachableReason({ id: 'U1', team_id: 'T2', enterprise_user: { enterprise_id: 'E1', teams: ['T2'] } }, { teamId: 'T1', enterpriseId: 'E1' }) // 'other_workspace'
 */
export function unreachableReason(user: LookedUpUser, own: OwnWorkspace | undefined): UnreachableReason | null {
  if (user.deleted) return 'deactivated'
  if (user.is_bot) return 'bot'
  if (!own || !user.team_id || user.team_id === own.teamId || user.team_id === own.enterpriseId) return null
  const grid = user.enterprise_user
  if (grid?.teams?.includes(own.teamId)) return null
  if (own.enterpriseId !== undefined && own.teamId === own.enterpriseId && grid?.enterprise_id === own.enterpriseId) return null
  return 'other_workspace'
}

const UNREACHABLE_NOTE: Record<UnreachableReason, string> = {
  deactivated: "the Slack account with a deal owner's email is deactivated: it is not DMed",
  bot: "the Slack user with a deal owner's email is a bot: it is not DMed",
  other_workspace:
    "the Slack user with a deal owner's email belongs to another Slack workspace than the app's (of its organization, or of another one): it is not DMed (add them to the app's workspace to reach them)",
}

const OTHER_WORKSPACE_DMED =
  "the Slack user with a deal owner's email belongs to another Slack workspace than the app's (of its organization, or of another one): DMed as the owner (PULSE_SLACK_OTHER_WORKSPACES=refuse skips them)"

/** How {@link lookupSlackUserId} checks who it found. */
export interface LookupOptions {
  /**
   * The app's workspace (`auth.test`), asked for only once Slack has returned a user; undefined
   * (or a promise of it) when unknown: then nobody is skipped for their workspace.
   */
  readonly own?: () => Promise<OwnWorkspace | undefined>
  /** Where a user found but skipped is said, at warn level (their id and workspace, never the email or a token). */
  readonly logger?: Logger
  /** Ask Slack even while a remembered answer stands (it is replaced by Slack's). */
  readonly fresh?: boolean
  /**
   * Skip someone of another workspace (`PULSE_SLACK_OTHER_WORKSPACES=refuse`). Otherwise (the
   * default, `log`) they are DMed and a warning names them: their email is the deal owner's.
   */
  readonly refuseOthers?: boolean
}

/**
 * The Slack user id for a work email (`users.lookupByEmail`), cached in the store for
 * {@link HIT_TTL_MS}; a miss (`users_not_found`, or a user who may not be DMed: deactivated, a bot,
 * or of another workspace, see {@link unreachableReason}) is remembered for {@link MISS_TTL_MS} so
 * a thousand DMs to an unknown owner cost one lookup, and is asked again after that. Returns null for a miss.
 *
 * @throws the Web API error for anything but "not found" (rate limits included).
 */
export async function lookupSlackUserId(
  db: Kysely<Database>,
  client: SlackClient,
  email: string,
  now: Date,
  options: LookupOptions = {},
): Promise<string | null> {
  const cached = options.fresh ? undefined : await findCachedSlackUser(db, email)
  if (cached) {
    const age = now.getTime() - Date.parse(cached.checkedAt)
    if (cached.slackUserId !== null && age < HIT_TTL_MS) return cached.slackUserId
    if (cached.slackUserId === null && age < MISS_TTL_MS) return null
  }
  let id: string | null = null
  try {
    const res = await client.users.lookupByEmail({ email })
    const user = res.user as LookedUpUser | undefined
    if (user?.id) {
      // The workspace matters only for someone not already ruled out.
      const own = user.deleted || user.is_bot ? undefined : await options.own?.()
      const why = unreachableReason(user, own)
      const note = { slackUserId: user.id, userTeamId: user.team_id, appTeamId: own?.teamId, reason: why }
      if (why === null) id = user.id
      else if (why === 'other_workspace' && !options.refuseOthers) {
        id = user.id
        options.logger?.warn(note, OTHER_WORKSPACE_DMED)
      } else options.logger?.warn(note, UNREACHABLE_NOTE[why])
    }
  } catch (error) {
    if (slackErrorCode(error) !== 'users_not_found') throw error
  }
  await saveSlackUserLookup(db, email, id, now)
  return id
}

/**
 * The profile email of a Slack user (`users.info`), lower-case, or null when Slack has none
 * (guests without an email, users Slack does not know or show) or the user is a bot or
 * deactivated (their profile may still show an email: it is not taken as theirs). Cached in memory and in
 * the store for a day (the store's copy is skipped while another process holds it for writing).
 *
 * With `own` (the app's workspace) and `refuseOthers` (`PULSE_SLACK_OTHER_WORKSPACES=refuse`; by
 * default when `own` is given), a user Slack places in another workspace or organization (a Slack
 * Connect user in a shared channel: `users.info` gives their own `team_id`) is refused. Either way,
 * the email -> id answer is stored for DMs (`lookupSlackUserId`) only for a user who may be DMed
 * ({@link unreachableReason} with `own`): a person of another workspace who used the app is not
 * taken, for a week, as the recipient of that email's DMs.
 *
 * @throws the Web API error for anything but "user not found"; AppError `slack_error` when Slack
 * withholds emails because the app lacks the `users:read.email` scope; AppError `not_allowed`
 * ({@link REFUSAL_OTHER_WORKSPACE}) for a user of another workspace.
 */
export async function emailOfSlackUser(
  db: Kysely<Database>,
  client: SlackClient,
  slackUserId: string,
  now: Date,
  own?: OwnWorkspace,
  refuseOthers: boolean = own !== undefined,
): Promise<string | null> {
  const hit = emailByUser.get(slackUserId)
  if (hit && now.getTime() - hit.at < EMAIL_TTL_MS) {
    if (hit.foreign && refuseOthers) throw new AppError('not_allowed', REFUSAL_OTHER_WORKSPACE)
    return hit.email
  }
  if (!hit) {
    const stored = await findCachedEmailOfSlackUser(db, slackUserId, new Date(now.getTime() - EMAIL_TTL_MS))
    if (stored) {
      emailByUser.set(slackUserId, { email: stored, at: now.getTime() })
      return stored
    }
  }
  let email: string | null = null
  let reachable = false
  try {
    const res = await client.users.info({ user: slackUserId })
    const u = res.user
    if (u && own && refuseOthers && isForeignUser(u, own)) {
      emailByUser.set(slackUserId, { email: null, at: now.getTime(), foreign: true })
      throw new AppError('not_allowed', REFUSAL_OTHER_WORKSPACE)
    }
    // A deactivated account or a bot is nobody's login, whatever email its profile shows (as for DMs).
    email = (u && !u.deleted && !u.is_bot && u.profile?.email?.trim().toLowerCase()) || null
    reachable = u !== undefined && unreachableReason(u, refuseOthers ? own : undefined) === null
    // Without users:read.email Slack leaves the email out: say so rather than treat a CRO as a stranger.
    const scopes = res.response_metadata?.scopes
    if (email === null && u && !u.deleted && !u.is_bot && scopes && !scopes.includes('users:read.email')) {
      throw new AppError(
        'slack_error',
        'Sales Pulse cannot read your email address in Slack (it lacks the users:read.email permission): ask your Slack admin to reinstall the app from its manifest.yml.',
      )
    }
  } catch (error) {
    const code = slackErrorCode(error)
    if (code !== 'user_not_found' && code !== 'users_not_found' && code !== 'user_not_visible') throw error
  }
  // A cache: while another process writes to the store (an import), it is not written rather than waited for.
  // Only someone DMs may go to stands for their email in the DMs' cache.
  if (email && reachable) await writeUnlessBusy(db, (d) => saveSlackUserLookup(d, email, slackUserId, now))
  emailByUser.set(slackUserId, { email, at: now.getTime() })
  return email
}

/** Forgets the in-memory Slack id -> email answers (tests, or after a roster change). */
export function clearSlackUserMemory(): void {
  emailByUser.clear()
}

/** The Slack error code (`users_not_found`, `ratelimited`, ...) of a Web API error, if any. */
export function slackErrorCode(error: unknown): string | undefined {
  const e = error as { code?: string; data?: { error?: string }; original?: { message?: unknown } }
  if (e?.code === 'slack_webapi_rate_limited_error') return 'ratelimited'
  // A client that waits out 429s gives up with a request error once its retries are spent (@slack/web-api 8 wording).
  if (e?.code === 'slack_webapi_request_error' && String(e.original?.message ?? '').startsWith('A rate limit was exceeded'))
    return 'ratelimited'
  // A 429 with no usable Retry-After: the client gives up at once with a plain Error (@slack/web-api 8 wording).
  if (error instanceof Error && error.message.startsWith('Retry header did not contain a valid timeout')) return 'ratelimited'
  return e?.data?.error
}
