import { formatCount } from '../../analytics/format-figures.js'
import type { Config } from '../../config.js'
import { findDealLinks } from '../../db/find-deal-links.js'
import { findOpenDealOwners, type OpenDealOwner } from '../../db/find-open-deal-owners.js'
import type { Store } from '../../db/open-store.js'
import type { OutboxKind, OutboxRow, StallEpisodeRow } from '../../db/schema-slack.js'
import {
  findUndeliveredOutbox,
  markOutboxSending,
  markOutboxSent,
  markOutboxUndelivered,
  NO_OWNER_EMAIL,
  NO_SLACK_USER,
  noteSendingOutboxError,
  OUTBOX_LEASE_MS,
  OUTBOX_SETTLE_MS,
} from '../../db/slack-outbox.js'
import { findSnoozedDealIds } from '../../db/slack-snoozes.js'
import { findOpenStallEpisodes } from '../../db/slack-stall-episodes.js'
import { writeWhenFree } from '../../db/write-when-free.js'
import { addDays, daysBetween } from '../../domain/dates.js'
import { AppError } from '../../errors.js'
import type { Roster } from '../access/load-roster.js'
import { ownWorkspaceOnce } from '../access/own-workspace-once.js'
import { slackErrorCode } from '../access/slack-user-directory.js'
import { teamSignature } from '../access/team-signature.js'
import { type StallDmDeal, stallDmMessage } from '../alerts/stall-dm-message.js'
import { recordIfTokenRefused, slackPauseReason } from '../app/bot-token-refusal.js'
import { openDmByEmail } from '../app/open-dm-by-email.js'
import type { SlackClient, SlackContext } from '../app/slack-context.js'
import { uploadFile } from '../app/upload-file.js'
import { OUTBOX_EVENT_TYPE, type OutboxPayload } from './outbox-payload.js'
import { TRANSIENT_SLACK_ERRORS } from './transient-slack-errors.js'

/** How to drain. */
export interface DrainOptions {
  /** Only these kinds (default all). */
  readonly kinds?: readonly OutboxKind[]
  /** Minimum gap between two messages into one channel (Slack: about 1 per second per channel). Default 1,000 ms. */
  readonly perChannelIntervalMs?: number
  /** Messages in flight at once, across channels. Default 8. */
  readonly concurrency?: number
  /** Stop starting new sends after this many ms (the rest stays pending for the next run). Default: no limit. */
  readonly deadlineMs?: number
  /** Stop starting new sends once this is aborted (shutdown); the rest stays pending. */
  readonly signal?: AbortSignal
  /** Told of each pause a 429 asks for (`Retry-After`, in ms) before sending goes on: the CLI says so while it waits. */
  readonly onRateLimited?: (waitMs: number) => void
  /**
   * Told of each DM skipped because Slack has no active user with its recipient's email (the
   * email, and the deal of a stalled-deal DM): the CLI names them, so the email can be fixed.
   */
  readonly onNotInSlack?: (email: string, dealId: string | null) => void
}

/** What a drain did. */
export interface DrainResult {
  sent: number
  /** Found already delivered by a previous run that crashed before recording it. */
  recovered: number
  skipped: number
  /**
   * `skipped` by reason: a DM with no recipient email, an email Slack has no active user for, a
   * stalled-deal DM whose stall ended before it was sent ({@link STALL_OVER}), and a manager's
   * digest whose day passed or whose team changed ({@link DIGEST_OUTDATED}, {@link TEAM_CHANGED}).
   */
  skippedFor: { noEmail: number; notInSlack: number; stallEnded: number; digestReplaced: number }
  failed: number
  /**
   * The messages counted in `failed`: Slack's reason (its error code) and the deal of a
   * stalled-deal DM (null for a digest or an alert); `slackRefusalFix` says what to do.
   */
  refused: Array<{ reason: string; kind: OutboxKind; dealId: string | null }>
  /** 429s received (each retried after its Retry-After). */
  rateLimited: number
  /** Left undelivered (deadline, or an outcome unknown after a network error: recovered next run). */
  left: number
  /**
   * Claimed by another instance whose lease has not run out (PostgreSQL): left to it. Once the
   * lease runs out, a later drain takes such a message over if it is still undelivered.
   */
  heldElsewhere: number
  /**
   * Set when nothing was tried because Slack no longer accepts the bot token (see
   * `slackPauseReason`): the sentence with the fix. Every message stays pending, counted in `left`.
   */
  paused?: string
}

interface Item {
  row: OutboxRow
  payload: OutboxPayload
  channel: string | null
  userId: string | null
  /** Transient Slack errors met so far in this drain. */
  tries?: number
  /** Not to be tried again before this time (ms since the epoch): the backoff after a transient error. */
  notBefore?: number
}

/**
 * A Slack error that may pass ({@link TRANSIENT_SLACK_ERRORS}: `internal_error`, `fatal_error`,
 * `service_unavailable`, ...) is tried again in the same drain this many times,
 * 0.5, 1, 2 and 4 s apart (about 8 s in all); after that the message waits for the next run.
 */
const TRANSIENT_RETRIES = 4
const TRANSIENT_FIRST_WAIT_MS = 500

/**
 * Refusals of the app itself (its token or its permissions), not of one message: nothing can be
 * delivered until an admin fixes them, so the drain stops, leaves every message pending, and
 * throws the fix (the scheduler tells the admins).
 */
const APP_REFUSALS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'missing_scope',
  'not_allowed_token_type',
])

/** Why a digest was not sent: a roster edit changed (or removed) its recipient's team before it went out. */
export const TEAM_CHANGED = "the roster changed the manager's team before the digest was delivered"

/**
 * Whether a manager's digest may still go to `recipient`: the roster names them a manager now,
 * with the team the digest was planned for (a digest recorded without its team: any team).
 */
function digestTeamStands(roster: Roster, recipient: string | null, payload: OutboxPayload): boolean {
  if (recipient === null || !roster.managers.has(recipient)) return false
  return payload.team === undefined || payload.team === teamSignature(roster, recipient)
}

/**
 * Why a digest was not sent: it was still waiting (Slack down, the app stopped) once its day had
 * passed, and that day's figures are stale; the day's own digest (`digest:<email>:<date>`) replaces it.
 */
export const DIGEST_OUTDATED = "its day passed before it was delivered: the day's own digest replaces it"

/** The day a manager's digest lists its team's stalled deals as of: the date its key (`digest:<email>:<date>`) ends with. */
function digestDayOf(row: Pick<OutboxRow, 'dedupe_key'>): string {
  return row.dedupe_key.slice(-10)
}

/** Why a stalled-deal DM was not sent: its stall ended before it went out. */
export const STALL_OVER =
  'the deal closed, was deleted in the CRM, went to another owner, had activity, fell below the alert amount, or was snoozed or marked updated in the CRM before the DM was delivered'

/**
 * Whether a stalled-deal DM may still go to `recipient`: its deal is open (in `openDeals`), still
 * theirs (by email, in any case), still stalled (amount at least `alertAmount`, no activity after
 * `idleSince`: as of today, the last day a stalled deal's last activity may fall on), not snoozed
 * (`snoozed`), and the stall episode it was written for (`episodeId`) is still the deal's open
 * one: a click on "Snooze" or "Updated in CRM" ends it.
 */
function stallDmStands(
  deal: OpenDealOwner | undefined,
  recipient: string,
  rules: { idleSince: string; alertAmount: number },
  quiet: { snoozed: boolean; openEpisodeId: number | undefined; episodeId: number },
): boolean {
  return (
    deal !== undefined &&
    deal.ownerEmail === recipient.trim().toLowerCase() &&
    deal.lastActivity <= rules.idleSince &&
    deal.amount >= rules.alertAmount &&
    !quiet.snoozed &&
    quiet.openEpisodeId === quiet.episodeId
  )
}

/** The stall episode a stalled-deal DM's key (`stall:<episode id>`) names. */
function episodeIdOf(row: Pick<OutboxRow, 'dedupe_key'>): number {
  return Number(row.dedupe_key.slice('stall:'.length))
}

/**
 * A stalled-deal DM's deal as it is `today` (`deal`, from {@link findOpenDealOwners}), when its
 * payload's figures are of another day or differ from these; null when they still hold.
 */
function stallFiguresNow(payload: OutboxPayload, dealId: string, deal: OpenDealOwner, today: string): StallDmDeal | null {
  const now: StallDmDeal = {
    dealId,
    dealName: deal.dealName,
    amount: deal.amount,
    stage: deal.stage,
    daysIdle: Math.max(0, daysBetween(deal.lastActivity, today)),
    idleFrom: deal.idleFrom,
  }
  const was = payload.stall
  const same =
    was !== undefined && was.asOf === today && was.amount === now.amount && was.stage === now.stage && was.daysIdle === now.daysIdle
  return same ? null : now
}

/** Refusals of a channel post that an admin can fix by inviting the app (or naming another channel). */
export const CHANNEL_ACCESS_ERRORS: ReadonlySet<string> = new Set([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
  'channel_is_archived',
])

/**
 * Refusals of a channel alert's post that an admin can fix: invite the app ({@link CHANNEL_ACCESS_ERRORS}),
 * let it post in a channel where only some may (`restricted_action`), or name another channel.
 * Such an alert stays `pending` with the error, for a later run.
 */
export const ALERT_CHANNEL_REFUSALS: ReadonlySet<string> = new Set([...CHANNEL_ACCESS_ERRORS, 'restricted_action'])

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)))

/**
 * Outbox rows a drain of this process has claimed and not settled yet. Drains of one process
 * overlap (the start-up drain, the DM job, the anomaly check); on SQLite a claim has no lease,
 * so the store alone would let a second drain take a message the first is sending.
 */
const claimedHere = new Set<number>()

/**
 * How long a claim on an outbox message holds for `store`: `PULSE_OUTBOX_LEASE_MS`
 * (`config.outboxLeaseMs`), by default {@link OUTBOX_LEASE_MS} on PostgreSQL and, on SQLite (one
 * instance), {@link OUTBOX_SETTLE_MS}: long enough for a post in flight when a process was killed
 * to land.
 */
export function outboxLeaseMs(store: Pick<Store, 'dialect'>, config: Pick<Config, 'outboxLeaseMs'>): number {
  return config.outboxLeaseMs ?? (store.dialect === 'postgres' ? OUTBOX_LEASE_MS : OUTBOX_SETTLE_MS)
}

/**
 * Delivers every undelivered outbox row, exactly once each:
 * - a row is claimed and marked `sending` (with its channel) before the Web API call and `sent`
 *   after, so a crash in between leaves `sending`, which a later drain resolves by looking for
 *   the message in the channel's history (`conversations.history`, by our message metadata)
 *   before sending again. A `sending` row not found there whose claim is still within its
 *   lease ({@link outboxLeaseMs}: another instance may be sending it) is left alone and counted
 *   in `heldElsewhere`, as is a row another instance claimed after it was listed;
 * - owners are found by email (cached, misses remembered) and a row for an email Slack does
 *   not know is `skipped`, never retried in a loop;
 * - a manager's digest is `skipped` ({@link TEAM_CHANGED}) once the roster no longer gives its
 *   recipient the team it lists (a manager taken off the roster, or a team changed), or
 *   ({@link DIGEST_OUTDATED}) once its day has passed (today's digest replaces it), and a
 *   stalled-deal DM ({@link STALL_OVER}) once its deal has closed, been deleted in the CRM,
 *   gone to another owner (by email, in any case), had activity within the idle limit, fallen
 *   below the alert amount, or been snoozed or marked updated (its stall episode ended); a
 *   stalled-deal DM that still stands but was planned on another day, or whose deal's amount,
 *   stage or days idle changed since, is written again with today's figures and health score;
 * - sends are paced per channel (`perChannelIntervalMs`), a 429 pauses every send and lookup
 *   for its `Retry-After` (Slack's limit on posting is also per workspace) and the row is
 *   retried, never dropped;
 * - a Slack error that may pass ({@link TRANSIENT_SLACK_ERRORS}: `internal_error`, ...) is tried
 *   again up to {@link TRANSIENT_RETRIES} times in the drain, with a backoff, then left pending for
 *   the next run; any other error code is Slack's final answer about the message or its recipient
 *   (`user_disabled`, `cannot_dm_bot`, `user_not_visible`, ...): the row is settled `failed` with
 *   the code, listed in `refused`, and never tried again;
 * - a channel alert refused for lack of access ({@link ALERT_CHANNEL_REFUSALS}) stays `pending`
 *   with that error, so it goes out on a later run once the app is invited, or to the channel
 *   `PULSE_ALERT_CHANNEL` names by then;
 * - a `sending` row whose channel history Slack refuses to show for good (`channel_not_found`,
 *   ...) is settled `failed` with the code (it cannot be checked, and is not sent twice), but for a
 *   channel alert: one whose channel refuses the app ({@link ALERT_CHANNEL_REFUSALS}) keeps
 *   `sending` with the code noted (the daily check tells the admins), and goes to the channel
 *   `PULSE_ALERT_CHANNEL` names once that is another; a
 *   refusal of the app there (a scope missing) stops the drain as below; a channel alert found
 *   not delivered goes to the channel `PULSE_ALERT_CHANNEL` names now, as a pending one does;
 * - when Slack refuses the app itself (token revoked, a scope missing), the drain stops, every
 *   message stays pending, and it throws AppError `slack_error` with the fix; a refused token is
 *   recorded (`recordBotTokenRefused`), and while it is, a drain calls Slack not at all: it
 *   returns with every message pending and `paused` set.
 * Uses `ctx.pacedClient`, which throws on 429 instead of queueing.
 */
export async function drainOutbox(ctx: SlackContext, options: DrainOptions = {}): Promise<DrainResult> {
  const client = ctx.pacedClient
  const interval = options.perChannelIntervalMs ?? 1000
  const concurrency = Math.max(1, options.concurrency ?? 8)
  const deadline = options.deadlineMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.deadlineMs
  const result: DrainResult = {
    sent: 0,
    recovered: 0,
    skipped: 0,
    skippedFor: { noEmail: 0, notInSlack: 0, stallEnded: 0, digestReplaced: 0 },
    failed: 0,
    refused: [],
    rateLimited: 0,
    left: 0,
    heldElsewhere: 0,
  }
  const leaseMs = outboxLeaseMs(ctx.store, ctx.config)
  const rows = await findUndeliveredOutbox(ctx.store.db, options.kinds)
  if (rows.length === 0) return result
  const log = ctx.logger.child({ job: 'outbox' })
  // A token Slack refused (the app uninstalled, say) would be refused again for every message.
  const paused = await slackPauseReason(ctx)
  if (paused !== null) {
    log.info({ left: rows.length }, 'outbox not drained: Slack no longer accepts the bot token; every message stays pending')
    return { ...result, left: rows.length, paused }
  }

  // Set when Slack refuses the app itself: every worker stops starting sends.
  let refusal: { code: string; error: unknown } | undefined
  const refusedApp = (error: unknown): boolean => {
    const code = slackErrorCode(error)
    if (code === undefined || !APP_REFUSALS.has(code)) return false
    refusal ??= { code, error }
    return true
  }

  // Slack refused the message for good (`code`): settled as failed with the reason, never tried again.
  const refuse = async (item: Item, code: string): Promise<void> => {
    log.warn({ outboxId: item.row.outbox_id, dealId: item.row.deal_id ?? undefined, code }, 'message refused by Slack')
    await writeWhenFree(ctx.store.db, (d) => markOutboxUndelivered(d, item.row.outbox_id, 'failed', code))
    result.failed++
    result.refused.push({ reason: code, kind: item.row.kind, dealId: item.row.deal_id })
  }

  const queue: Item[] = []
  const leaseStart = new Date(ctx.clock.now().getTime() - leaseMs).toISOString()
  // The deals of the stalled-deal DMs as they are now: a DM planned before an import or sync
  // closed its deal or handed it to another owner is not sent (the weekday plan tells the new owner).
  const today = ctx.clock.asOf()
  const idleSince = addDays(today, -ctx.config.idleDays)
  const stallDealIds = rows.flatMap((r) => (r.kind === 'stall_dm' && r.deal_id !== null ? [r.deal_id] : []))
  const dmDeals = await findOpenDealOwners(ctx.store.db, stallDealIds)
  // A snooze or an "Updated in CRM" clicked while the DM waited quiets the deal: it is not sent.
  const snoozed = stallDealIds.length > 0 ? await findSnoozedDealIds(ctx.store.db, today) : new Set<string>()
  const openEpisodes = stallDealIds.length > 0 ? await findOpenStallEpisodes(ctx.store.db) : new Map<string, StallEpisodeRow>()
  const rules = { idleSince, alertAmount: ctx.config.alertAmount }
  for (const row of rows) {
    if (claimedHere.has(row.outbox_id)) {
      // Another drain of this process is sending it.
      result.heldElsewhere++
      continue
    }
    const payload = JSON.parse(row.payload) as OutboxPayload
    // A channel alert still waiting goes to the alert channel named now: the admin told to invite
    // the app, or to name another channel, may have done the latter.
    const channel = row.kind === 'anomaly' && row.status === 'pending' && ctx.config.alertChannel ? ctx.config.alertChannel : row.channel_id
    const item: Item = { row, payload, channel, userId: row.slack_user_id }
    if (row.status === 'sending') {
      // Claimed by an instance that may still be sending it (its lease has not run out).
      const held = leaseMs > 0 && row.attempt_started_at !== null && row.attempt_started_at >= leaseStart
      let delivered: boolean
      try {
        delivered = await alreadyDelivered(ctx, client, item)
      } catch (error) {
        const code = slackErrorCode(error)
        // Slack refuses the app the history it needs (a scope missing, the token revoked): the
        // drain stops with the fix, rather than leave the message unchecked on every run.
        if (refusedApp(error)) {
          result.left++
          continue
        }
        // Slack's final answer about that channel (it cannot be read, nor posted in): settled. A
        // channel alert's channel the app may be invited back to is checked again on the next run.
        const waits = row.kind === 'anomaly' && code !== undefined && ALERT_CHANNEL_REFUSALS.has(code)
        if (code !== undefined && !TRANSIENT_SLACK_ERRORS.has(code) && !held && !waits) {
          await refuse(item, code)
          continue
        }
        const movedTo = ctx.config.alertChannel && ctx.config.alertChannel !== row.channel_id ? ctx.config.alertChannel : null
        if (waits && !held && movedTo !== null) {
          // The admin, told the app cannot use that channel, named another: the alert goes there,
          // as one still pending would (a copy it may have left in the old one, the app cannot see).
          log.warn(
            { outboxId: row.outbox_id, code },
            'alert channel refuses the app; the alert goes to the channel PULSE_ALERT_CHANNEL names now',
          )
          item.channel = movedTo
          delivered = false
        } else {
          // The code is noted, so the daily check tells the admins to invite the app (or name another channel).
          if (waits && !held) await writeWhenFree(ctx.store.db, (d) => noteSendingOutboxError(d, row.outbox_id, code as string))
          // Unsure whether it arrived: leave it `sending` rather than risk a second copy.
          log.warn({ outboxId: row.outbox_id, err: error }, 'could not check whether a message was delivered; will check on the next run')
          if (held) result.heldElsewhere++
          else result.left++
          continue
        }
      }
      if (delivered) {
        result.recovered++
        continue
      }
      if (held) {
        result.heldElsewhere++
        continue
      }
      // Not posted: a channel alert goes to the alert channel named now, as one still pending does.
      if (row.kind === 'anomaly' && ctx.config.alertChannel) item.channel = ctx.config.alertChannel
    }
    // A digest lists a team's deals: after a roster edit took the team (or some of it) from its
    // recipient, it would show them deals they may no longer see.
    if (row.kind === 'digest' && !digestTeamStands(ctx.roster, row.recipient_email, payload)) {
      await writeWhenFree(ctx.store.db, (d) => markOutboxUndelivered(d, row.outbox_id, 'skipped', TEAM_CHANGED))
      log.info({ outboxId: row.outbox_id }, 'digest not sent: the roster changed its team since it was planned')
      result.skipped++
      result.skippedFor.digestReplaced++
      continue
    }
    // A digest of an earlier day lists deals as they were then: the manager gets today's instead, not both.
    if (row.kind === 'digest' && digestDayOf(row) < today) {
      await writeWhenFree(ctx.store.db, (d) => markOutboxUndelivered(d, row.outbox_id, 'skipped', DIGEST_OUTDATED))
      log.info({ outboxId: row.outbox_id }, "digest not sent: its day has passed; the day's own digest replaces it")
      result.skipped++
      result.skippedFor.digestReplaced++
      continue
    }
    // (A DM with no owner email is settled below, as such.)
    if (
      row.kind === 'stall_dm' &&
      row.deal_id !== null &&
      row.recipient_email !== null &&
      !stallDmStands(dmDeals.get(row.deal_id), row.recipient_email, rules, {
        snoozed: snoozed.has(row.deal_id),
        openEpisodeId: openEpisodes.get(row.deal_id)?.episode_id,
        episodeId: episodeIdOf(row),
      })
    ) {
      await writeWhenFree(ctx.store.db, (d) => markOutboxUndelivered(d, row.outbox_id, 'skipped', STALL_OVER))
      log.info(
        { outboxId: row.outbox_id, dealId: row.deal_id },
        'stalled-deal DM not sent: its deal is no longer stalled, has another owner, or was snoozed or marked updated',
      )
      result.skipped++
      result.skippedFor.stallEnded++
      continue
    }
    queue.push(item)
  }
  await rewriteLateStallDms(ctx, queue, dmDeals, today)

  const channelReadyAt = new Map<string, number>()
  const busy = new Set<string>()
  let globalReadyAt = 0

  // Slack answered with an error that may pass: back in line after a backoff, a few times.
  const retryLater = (item: Item): boolean => {
    const tries = (item.tries ?? 0) + 1
    if (tries > TRANSIENT_RETRIES) return false
    item.tries = tries
    item.notBefore = Date.now() + TRANSIENT_FIRST_WAIT_MS * 2 ** (tries - 1)
    return true
  }

  const rateLimited = (error: unknown): number | null => {
    const e = error as { code?: string; retryAfter?: number }
    return e?.code === 'slack_webapi_rate_limited_error' ? Math.max(1, Number(e.retryAfter ?? 1)) * 1000 : null
  }

  // One lookup and one DM channel per recipient in a drain, however many of their messages are
  // resolved at once (an owner's DMs sit side by side in the outbox): the first message asks
  // Slack, the others wait for its answer. A failed ask is forgotten, so a later message asks again.
  const targets = new Map<string, Promise<{ userId: string; channel: string } | null>>()
  const lookup = { own: ownWorkspaceOnce(ctx, client), logger: log, refuseOthers: ctx.config.slackOtherWorkspaces === 'refuse' }
  const targetOf = (email: string): { target: Promise<{ userId: string; channel: string } | null>; first: boolean } => {
    const known = targets.get(email)
    if (known) return { target: known, first: false }
    const target = openDmByEmail(ctx.store.db, client, email, ctx.clock.now(), lookup)
    targets.set(email, target)
    target.catch(() => {
      if (targets.get(email) === target) targets.delete(email)
    })
    return { target, first: true }
  }

  // Finds the user and DM channel of a row: `settled` when it was settled (skipped) instead, and
  // `again` when another message's ask for the same recipient failed (that one handles the error;
  // this one goes back in line and asks again).
  const resolveTarget = async (item: Item): Promise<'ready' | 'settled' | 'again'> => {
    if (item.channel) return 'ready'
    const email = item.row.recipient_email
    if (!email) {
      await writeWhenFree(ctx.store.db, (d) => markOutboxUndelivered(d, item.row.outbox_id, 'skipped', NO_OWNER_EMAIL))
      result.skipped++
      result.skippedFor.noEmail++
      return 'settled'
    }
    const { target, first } = targetOf(email)
    let found: { userId: string; channel: string } | null
    try {
      found = await target
    } catch (error) {
      if (first) throw error
      // After the message that asked has handled the error (a 429's pause is set by then).
      await sleep(0)
      return 'again'
    }
    if (!found) {
      await writeWhenFree(ctx.store.db, (d) => markOutboxUndelivered(d, item.row.outbox_id, 'skipped', NO_SLACK_USER))
      log.info({ outboxId: item.row.outbox_id }, 'owner not found in Slack; DM skipped')
      result.skipped++
      result.skippedFor.notInSlack++
      options.onNotInSlack?.(email, item.row.deal_id)
      return 'settled'
    }
    item.userId = found.userId
    item.channel = found.channel
    return 'ready'
  }

  const send = async (item: Item): Promise<'done' | 'retry'> => {
    const channel = item.channel as string
    const db = ctx.store.db
    // Another drain (of this process, or of another instance) may have claimed this message since it was listed: then it is theirs to send.
    const id = item.row.outbox_id
    if (claimedHere.has(id)) {
      result.heldElsewhere++
      return 'done'
    }
    claimedHere.add(id)
    try {
      if (
        !(await writeWhenFree(db, (d) =>
          markOutboxSending(d, id, { channelId: channel, slackUserId: item.userId, at: ctx.clock.now(), leaseMs }),
        ))
      ) {
        result.heldElsewhere++
        return 'done'
      }
      return await post(item, channel)
    } finally {
      claimedHere.delete(id)
    }
  }

  const post = async (item: Item, channel: string): Promise<'done' | 'retry'> => {
    const db = ctx.store.db
    try {
      const posted = await client.chat.postMessage({
        channel,
        text: item.payload.text,
        blocks: item.payload.blocks,
        metadata: { event_type: OUTBOX_EVENT_TYPE, event_payload: { outbox_id: item.row.outbox_id } },
        unfurl_links: false,
      })
      await writeWhenFree(db, (d) => markOutboxSent(d, item.row.outbox_id, { ts: posted.ts ?? null, at: ctx.clock.now() }))
      result.sent++
      if (item.payload.chart) await attachChart(ctx, client, channel, posted.ts, item.payload.chart)
      return 'done'
    } catch (error) {
      const wait = rateLimited(error)
      if (wait !== null) {
        result.rateLimited++
        options.onRateLimited?.(wait)
        // Slack limits chat.postMessage per channel and per workspace, and its 429 does not say
        // which: sends are already paced per channel, so every send waits, as Slack's own client does.
        globalReadyAt = Math.max(globalReadyAt, Date.now() + wait)
        await writeWhenFree(db, (d) => markOutboxUndelivered(d, item.row.outbox_id, 'pending', 'ratelimited'))
        return 'retry'
      }
      if (refusedApp(error)) {
        await writeWhenFree(db, (d) => markOutboxUndelivered(d, item.row.outbox_id, 'pending', slackErrorCode(error) ?? 'refused'))
        result.left++
        return 'done'
      }
      const code = slackErrorCode(error)
      if (code !== undefined) {
        // Only an error that may pass is worth another try: any other answer would be the same
        // next time. A channel alert waits for someone to invite the app (the job tells the admins).
        const waits = item.row.kind === 'anomaly' && ALERT_CHANNEL_REFUSALS.has(code)
        const final = !waits && !TRANSIENT_SLACK_ERRORS.has(code)
        if (final) {
          await refuse(item, code)
          return 'done'
        }
        await writeWhenFree(db, (d) => markOutboxUndelivered(d, item.row.outbox_id, 'pending', code))
        // Slack said no (ok: false), so nothing was posted: an error that may pass is tried again now.
        const again = !waits && retryLater(item)
        log.warn({ outboxId: item.row.outbox_id, dealId: item.row.deal_id ?? undefined, code }, 'message will be retried')
        if (again) return 'retry'
        result.left++
        return 'done'
      }
      // No answer (network, timeout): it may have arrived. Leave `sending`; the next drain checks.
      log.warn({ outboxId: item.row.outbox_id, err: error }, 'message outcome unknown; will check on the next run')
      result.left++
      return 'done'
    }
  }

  type Pick = { kind: 'item'; item: Item } | { kind: 'wait'; ms: number } | null
  const next = (): Pick => {
    if (queue.length === 0) return null
    const now = Date.now()
    let soonest = Number.POSITIVE_INFINITY
    for (let i = 0; i < queue.length; i++) {
      const item = queue[i] as Item
      if (item.channel && busy.has(item.channel)) continue
      const readyAt = Math.max(globalReadyAt, item.notBefore ?? 0, item.channel ? (channelReadyAt.get(item.channel) ?? 0) : 0)
      if (readyAt <= now) {
        queue.splice(i, 1)
        return { kind: 'item', item }
      }
      soonest = Math.min(soonest, readyAt)
    }
    return { kind: 'wait', ms: Number.isFinite(soonest) ? Math.min(soonest - now, 1000) : 20 }
  }

  const worker = async (): Promise<void> => {
    for (;;) {
      if (Date.now() > deadline || options.signal?.aborted || refusal) return
      const pick = next()
      if (pick === null) {
        if (busy.size === 0) return
        await sleep(20)
        continue
      }
      if (pick.kind === 'wait') {
        await sleep(pick.ms)
        continue
      }
      const item = pick.item
      const lock = item.channel ?? `pending:${item.row.outbox_id}`
      busy.add(lock)
      try {
        let ready: 'ready' | 'settled' | 'again'
        try {
          ready = await resolveTarget(item)
        } catch (error) {
          const wait = rateLimited(error)
          if (wait === null) {
            if (refusedApp(error)) {
              queue.push(item)
              continue
            }
            const code = slackErrorCode(error)
            // Finding the owner or opening the DM is safe to repeat: an error that may pass is tried again.
            if (code !== undefined && TRANSIENT_SLACK_ERRORS.has(code) && retryLater(item)) {
              log.warn({ outboxId: item.row.outbox_id, code }, 'owner lookup will be retried')
              queue.push(item)
              continue
            }
            if (code === undefined || TRANSIENT_SLACK_ERRORS.has(code)) throw error
            await refuse(item, code)
            continue
          }
          result.rateLimited++
          options.onRateLimited?.(wait)
          globalReadyAt = Date.now() + wait
          queue.push(item)
          continue
        }
        if (ready === 'again') {
          queue.push(item)
          continue
        }
        if (ready === 'settled') continue
        const channel = item.channel as string
        // Just resolved: its channel may be busy or paced, or a 429 paused sending; back in line (it keeps its place).
        if (channel !== lock && (busy.has(channel) || Math.max(globalReadyAt, channelReadyAt.get(channel) ?? 0) > Date.now())) {
          queue.unshift(item)
          continue
        }
        busy.add(channel)
        try {
          const outcome = await send(item)
          if (outcome === 'retry') queue.unshift(item)
          else channelReadyAt.set(channel, Math.max(channelReadyAt.get(channel) ?? 0, Date.now() + interval))
        } finally {
          busy.delete(channel)
        }
      } catch (error) {
        result.left++
        log.error({ outboxId: item.row.outbox_id, err: error }, 'outbox delivery failed; will retry on the next run')
        await writeWhenFree(ctx.store.db, (d) => markOutboxUndelivered(d, item.row.outbox_id, 'pending', 'error')).catch(() => {})
      } finally {
        busy.delete(lock)
      }
    }
  }

  await Promise.all(Array.from({ length: concurrency }, worker))
  if (refusal) {
    // A message with no owner email needs no Slack call to settle: it is skipped, not counted as waiting for the fix.
    const settled = new Set(queue.filter((i) => !i.channel && !i.row.recipient_email))
    for (const item of settled) await resolveTarget(item)
    let kept = 0
    for (const item of queue) if (!settled.has(item)) queue[kept++] = item
    queue.length = kept
  }
  result.left += queue.length
  log.info(result, 'outbox drained')
  // A dead token pauses the scheduled Slack jobs and drains of every instance until it works again.
  if (refusal) await recordIfTokenRefused(ctx, refusal.error)
  if (refusal) {
    const needed = (refusal.error as { data?: { needed?: unknown } }).data?.needed
    const fix =
      refusal.code === 'missing_scope'
        ? `It lacks a Slack permission${typeof needed === 'string' ? ` (${needed})` : ''}: reinstall the app from its manifest.yml.`
        : refusal.code === 'not_allowed_token_type'
          ? "SLACK_BOT_TOKEN is not the app's Bot User OAuth Token (xoxb-...): set that one (under OAuth & Permissions)."
          : 'Its bot token no longer works: reinstall the app or update SLACK_BOT_TOKEN.'
    throw new AppError(
      'slack_error',
      `Slack refused Sales Pulse (${refusal.code}), so ${result.left === 1 ? '1 message waits' : `${formatCount(result.left)} messages wait`} in the outbox. ${fix} ${result.left === 1 ? 'It goes' : 'They go'} out on the next run after that.`,
      { cause: refusal.error },
    )
  }
  return result
}

/**
 * Writes the stalled-deal DMs of `queue` planned on another day than `today` (Slack was down, the
 * app stopped), or whose deal's amount, stage or days idle changed since, again with the figures
 * and health score of today, as the DMs are documented to show. Should the health scores not be
 * had, the DMs keep the figures they were planned with (the log says so) rather than wait.
 */
async function rewriteLateStallDms(
  ctx: SlackContext,
  queue: Item[],
  deals: ReadonlyMap<string, OpenDealOwner>,
  today: string,
): Promise<void> {
  const late: Array<{ item: Item; deal: StallDmDeal }> = []
  for (const item of queue) {
    const dealId = item.row.deal_id
    const deal = dealId === null || item.row.kind !== 'stall_dm' ? undefined : deals.get(dealId)
    const now = deal && dealId !== null ? stallFiguresNow(item.payload, dealId, deal, today) : null
    if (now) late.push({ item, deal: now })
  }
  for (let i = 0; i < late.length; i += 500) {
    const chunk = late.slice(i, i + 500)
    const ids = chunk.map((l) => l.deal.dealId)
    try {
      const links = await findDealLinks(ctx.store.db, ids)
      const health = await ctx.services.dealHealth(ctx.store.db, ids, today)
      for (const { item, deal } of chunk) item.payload = stallDmMessage(deal, links.get(deal.dealId), health.get(deal.dealId), today)
    } catch (error) {
      ctx.logger.warn({ err: error, dms: chunk.length }, 'stalled-deal DMs go out with the figures they were planned with')
    }
  }
}

// Looks for a message this row already delivered before a crash, and records it as sent.
async function alreadyDelivered(ctx: SlackContext, client: SlackClient, item: Item): Promise<boolean> {
  const { row } = item
  if (!row.channel_id || !row.attempt_started_at) return false
  const oldest = (Date.parse(row.attempt_started_at) - 60_000) / 1000
  let cursor: string | undefined
  for (let page = 0; page < 10; page++) {
    const res = await client.conversations.history({
      channel: row.channel_id,
      oldest: oldest.toFixed(6),
      include_all_metadata: true,
      limit: 200,
      ...(cursor ? { cursor } : {}),
    })
    for (const m of res.messages ?? []) {
      const meta = m.metadata as { event_type?: string; event_payload?: { outbox_id?: unknown } } | undefined
      const byMeta = meta?.event_type === OUTBOX_EVENT_TYPE && Number(meta.event_payload?.outbox_id) === row.outbox_id
      if (byMeta) {
        await writeWhenFree(ctx.store.db, (d) => markOutboxSent(d, row.outbox_id, { ts: m.ts ?? null, at: ctx.clock.now() }))
        ctx.logger.info({ outboxId: row.outbox_id }, 'message found delivered after a restart; not sent again')
        return true
      }
    }
    cursor = res.response_metadata?.next_cursor || undefined
    if (!cursor) break
  }
  return false
}

// The chart of a channel alert, in the alert's thread. A failure here never re-sends the alert.
async function attachChart(
  ctx: SlackContext,
  client: SlackClient,
  channel: string,
  ts: string | undefined,
  chart: NonNullable<OutboxPayload['chart']>,
): Promise<void> {
  try {
    const report = await ctx.services.winrate(ctx.store.db, { asOf: chart.asOf })
    const rendered = await ctx.services.renderChart(chart.kind, report)
    await uploadFile(client, {
      channelId: channel,
      data: rendered.png,
      filename: chart.filename,
      title: rendered.title,
      altText: rendered.altText,
      ...(ts ? { threadTs: ts } : {}),
    })
  } catch (error) {
    ctx.logger.warn({ err: error, channel }, 'alert chart could not be attached')
  }
}
