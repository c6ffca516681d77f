import type { Kysely } from 'kysely'
import { findServeHeldSince } from './acquire-job-lock.js'
import { dialectOf } from './dialect.js'
import type { Database } from './schema.js'
import type { OutboxKind, OutboxRow, OutboxStatus } from './schema-slack.js'
import { findCachedSlackUser } from './slack-user-cache.js'

/** A message to record in the outbox before anything is sent. */
export interface NewOutboxMessage {
  dedupeKey: string
  kind: OutboxKind
  dealId: string | null
  recipientEmail: string | null
  channelId: string | null
  payload: unknown
  now: Date
}

/**
 * Records `message` as `pending` unless a row with the same `dedupeKey` exists (then nothing
 * changes). Returns true when a new row was written.
 */
export async function enqueueOutboxMessage(db: Kysely<Database>, message: NewOutboxMessage): Promise<boolean> {
  const result = await db
    .insertInto('slack_outbox')
    .values({
      dedupe_key: message.dedupeKey,
      kind: message.kind,
      deal_id: message.dealId,
      recipient_email: message.recipientEmail,
      channel_id: message.channelId,
      slack_user_id: null,
      payload: JSON.stringify(message.payload),
      status: 'pending',
      attempts: 0,
      created_at: message.now.toISOString(),
      attempt_started_at: null,
      sent_at: null,
      message_ts: null,
      last_error: null,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0
}

/**
 * How long a claim on an outbox row (`sending`, see {@link markOutboxSending}) holds on
 * PostgreSQL, where several instances may drain at once: another instance may take the row over
 * only once its last attempt started this long ago. Longer than any single send (the Web API
 * call times out after 30 s), so a live sender is never overtaken. On SQLite (one instance by
 * design) a claim holds for {@link OUTBOX_SETTLE_MS} (`outboxLeaseMs`). While a `pulse serve`
 * holds the SQLite store, a claim made since it started (by it, or by a `pulse alerts` beside it)
 * holds for this long too; older ones (of a process that is gone) are taken up once settled.
 */
export const OUTBOX_LEASE_MS = 60_000

/**
 * How long a claim holds on SQLite: a process killed mid-send may have a post still on its way,
 * which Slack stores within the Web API call's 30 s timeout. A claim this old has landed (the
 * next drain finds it in the channel's history) or never will, so a restart soon after a kill
 * sends nothing twice.
 */
export const OUTBOX_SETTLE_MS = 35_000

/**
 * Rows still to deliver (`pending`, or `sending` left by a crash), oldest first. With `now`, a
 * `sending` row is included only once its lease has run out (`leaseMs`; default
 * {@link OUTBOX_LEASE_MS} on PostgreSQL, 0 on SQLite): until then the instance that claimed it
 * may still be sending it. Without `now`, every
 * `sending` row is included (one instance, recovering right after its own crash).
 */
export async function findUndeliveredOutbox(
  db: Kysely<Database>,
  kinds?: readonly OutboxKind[],
  lease?: { now: Date; leaseMs?: number },
): Promise<OutboxRow[]> {
  let q = db.selectFrom('slack_outbox').selectAll()
  if (lease) {
    const expired = await leaseCutoff(db, lease.now, lease.leaseMs)
    q = q.where((eb) =>
      eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'sending'), eb('attempt_started_at', '<', expired)])]),
    )
  } else q = q.where('status', 'in', ['pending', 'sending'])
  if (kinds && kinds.length > 0) q = q.where('kind', 'in', [...kinds])
  return q.orderBy('outbox_id').execute()
}

// Claims that started before this time have run out (see OUTBOX_LEASE_MS).
async function leaseCutoff(db: Kysely<Database>, now: Date, leaseMs?: number): Promise<string> {
  const lease = leaseMs ?? (dialectOf(db) === 'postgres' ? OUTBOX_LEASE_MS : 0)
  let cutoff = now.getTime() - lease
  if (dialectOf(db) === 'sqlite') {
    const since = await findServeHeldSince(db, now)
    if (since !== null) cutoff = Math.min(cutoff, Math.max(Date.parse(since), now.getTime() - OUTBOX_LEASE_MS))
  }
  return new Date(cutoff).toISOString()
}

/** One outbox row by its dedupe key, or undefined. */
export async function findOutboxByKey(db: Kysely<Database>, dedupeKey: string): Promise<OutboxRow | undefined> {
  return db.selectFrom('slack_outbox').selectAll().where('dedupe_key', '=', dedupeKey).executeTakeFirst()
}

/**
 * Claims a row for sending and marks it as handed to Slack (recorded before the call), with
 * where it goes. Atomic on every database (one conditional `UPDATE ... RETURNING`): the row is
 * taken only while it is `pending`, or `sending` with its lease run out (the instance that
 * claimed it died; `leaseMs`, default as in {@link findUndeliveredOutbox}), clearing the error of
 * an earlier attempt. Returns true when this caller got the row;
 * false when another instance holds it or it was settled meanwhile: then do not send it.
 * Of several instances racing for one row, exactly one gets true.
 */
export async function markOutboxSending(
  db: Kysely<Database>,
  outboxId: number,
  target: { channelId: string; slackUserId: string | null; at: Date; leaseMs?: number },
): Promise<boolean> {
  const expired = await leaseCutoff(db, target.at, target.leaseMs)
  const claimed = await db
    .updateTable('slack_outbox')
    .set((eb) => ({
      status: 'sending',
      channel_id: target.channelId,
      slack_user_id: target.slackUserId,
      attempt_started_at: target.at.toISOString(),
      attempts: eb('attempts', '+', 1),
      // A new attempt: an earlier one's error (a channel that refused the app) no longer holds.
      last_error: null,
    }))
    .where('outbox_id', '=', outboxId)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'pending'),
        eb.and([eb('status', '=', 'sending'), eb.or([eb('attempt_started_at', 'is', null), eb('attempt_started_at', '<', expired)])]),
      ]),
    )
    .returning('outbox_id')
    .executeTakeFirst()
  return claimed !== undefined
}

/** Marks a row as delivered (recorded after Slack accepted it). */
export async function markOutboxSent(db: Kysely<Database>, outboxId: number, sent: { ts: string | null; at: Date }): Promise<void> {
  await db
    .updateTable('slack_outbox')
    .set({ status: 'sent', sent_at: sent.at.toISOString(), message_ts: sent.ts, last_error: null })
    .where('outbox_id', '=', outboxId)
    .execute()
}

/**
 * Sets a row's status after an attempt that did not deliver: `pending` (try again later),
 * `failed` or `skipped` (final), with the reason.
 */
export async function markOutboxUndelivered(
  db: Kysely<Database>,
  outboxId: number,
  status: Extract<OutboxStatus, 'pending' | 'failed' | 'skipped'>,
  reason: string,
): Promise<void> {
  await db
    .updateTable('slack_outbox')
    .set({ status, last_error: reason.slice(0, 500) })
    .where('outbox_id', '=', outboxId)
    .execute()
}

/**
 * Notes why a row left `sending` (its outcome unknown) could not be checked, keeping it
 * `sending`: a channel alert whose channel Slack refuses the app, which the daily check then
 * names to the admins.
 */
export async function noteSendingOutboxError(db: Kysely<Database>, outboxId: number, reason: string): Promise<void> {
  await db
    .updateTable('slack_outbox')
    .set({ last_error: reason.slice(0, 500) })
    .where('outbox_id', '=', outboxId)
    .where('status', '=', 'sending')
    .execute()
}

/**
 * Settles as `skipped` (with `reason`) the rows of `keys` still waiting to be sent (`pending`):
 * messages that no longer apply, such as the DM of a stall episode that ended before Slack took
 * it. A row being sent (`sending`) is left to its sender. Returns how many rows were settled.
 */
export async function skipPendingOutbox(db: Kysely<Database>, keys: readonly string[], reason: string): Promise<number> {
  let skipped = 0
  for (let i = 0; i < keys.length; i += 500) {
    const result = await db
      .updateTable('slack_outbox')
      .set({ status: 'skipped', last_error: reason.slice(0, 500) })
      .where('dedupe_key', 'in', keys.slice(i, i + 500))
      .where('status', '=', 'pending')
      .executeTakeFirst()
    skipped += Number(result.numUpdatedRows)
  }
  return skipped
}

/**
 * Settles as `skipped` (with `reason`) the rows of `keys` left `sending` whose delivery could not
 * be checked, with why noted (`last_error` one of `noted`, see {@link noteSendingOutboxError}):
 * messages that no longer apply, which the app could never post nor find. Returns how many.
 */
export async function skipUncheckedOutbox(
  db: Kysely<Database>,
  keys: readonly string[],
  noted: ReadonlySet<string>,
  reason: string,
): Promise<number> {
  let skipped = 0
  for (let i = 0; i < keys.length && noted.size > 0; i += 500) {
    const result = await db
      .updateTable('slack_outbox')
      .set({ status: 'skipped', last_error: reason.slice(0, 500) })
      .where('dedupe_key', 'in', keys.slice(i, i + 500))
      .where('status', '=', 'sending')
      .where('last_error', 'in', [...noted])
      .executeTakeFirst()
    skipped += Number(result.numUpdatedRows)
  }
  return skipped
}

/** The reason recorded on a DM skipped because Slack had no active user with its recipient's email. */
export const NO_SLACK_USER = 'Slack has no active user with this email'

/** The `last_error` of an outbox message skipped because its deal's owner has no email. */
export const NO_OWNER_EMAIL = 'no owner email'

/**
 * Of `keys`, those whose row was skipped for {@link NO_SLACK_USER} and whose recipient Slack has
 * not been asked about since `missCheckedBefore` (the remembered miss is that old, or gone): the
 * owner may have joined Slack since, so the DM is worth recording afresh.
 */
export async function findSkippedForNoSlackUser(
  db: Kysely<Database>,
  keys: readonly string[],
  missCheckedBefore: Date,
): Promise<Set<string>> {
  const out = new Set<string>()
  const cutoff = missCheckedBefore.toISOString()
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await db
      .selectFrom('slack_outbox')
      .select(['dedupe_key', 'recipient_email'])
      .where('dedupe_key', 'in', keys.slice(i, i + 500))
      .where('status', '=', 'skipped')
      .where('last_error', '=', NO_SLACK_USER)
      .execute()
    for (const r of rows) {
      const miss = r.recipient_email ? await findCachedSlackUser(db, r.recipient_email) : undefined
      if (r.recipient_email && (miss === undefined || miss.checkedAt < cutoff)) out.add(r.dedupe_key)
    }
  }
  return out
}

/** Deletes the `skipped` rows of `keys`, so that their messages can be recorded afresh. */
export async function deleteSkippedOutbox(db: Kysely<Database>, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 500) {
    await db
      .deleteFrom('slack_outbox')
      .where('dedupe_key', 'in', keys.slice(i, i + 500))
      .where('status', '=', 'skipped')
      .execute()
  }
}

/** Number of outbox rows per status (for `pulse status` and tests). */
export async function countOutboxByStatus(db: Kysely<Database>): Promise<Record<OutboxStatus, number>> {
  const rows = await db
    .selectFrom('slack_outbox')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute()
  const out: Record<OutboxStatus, number> = { pending: 0, sending: 0, sent: 0, failed: 0, skipped: 0 }
  for (const r of rows) out[r.status] = Number(r.n)
  return out
}

/** Which of `keys` already have an outbox row (any status). */
export async function findExistingOutboxKeys(db: Kysely<Database>, keys: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>()
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await db
      .selectFrom('slack_outbox')
      .select('dedupe_key')
      .where('dedupe_key', 'in', keys.slice(i, i + 500))
      .execute()
    for (const r of rows) out.add(r.dedupe_key)
  }
  return out
}

/** Cut-offs of {@link pruneSettledOutbox}. */
export interface OutboxPruneCutoffs {
  /** Rows recorded (and, if sent, sent) before this time may go. */
  readonly before: Date
  /** Manager digests dated (`digest:<email>:<date>`) before this day, `YYYY-MM-DD`, may go. */
  readonly digestsBefore: string
}

/** Settled statuses: nothing will ever send these rows again. */
const SETTLED: readonly OutboxStatus[] = ['sent', 'failed', 'skipped']

/**
 * Deletes settled outbox rows (`sent`, `failed`, `skipped`) older than `before` whose dedupe key
 * can never be asked for again, so deleting them cannot let a message go out twice:
 * - owner DMs (`stall:<episode>`) of deals that have no open stall episode: an ended episode
 *   never reopens, and a deal stalled again gets a new episode and key. While a deal's episode
 *   is open, all of its rows stay (the planner looks for the open episode's key);
 * - manager digests dated before `digestsBefore` (the planner only asks for today's).
 * Channel alerts (`anomaly:<month>`, one a month at most) stay: the daily check asks for the
 * latest complete month's key again for weeks. Undelivered rows (`pending`, `sending`) always
 * stay. Returns how many rows were deleted.
 */
export async function pruneSettledOutbox(db: Kysely<Database>, cutoffs: OutboxPruneCutoffs): Promise<number> {
  const before = cutoffs.before.toISOString()
  const settledBefore = db
    .selectFrom('slack_outbox')
    .where('status', 'in', [...SETTLED])
    .where('created_at', '<', before)
    .where((eb) => eb.or([eb('sent_at', 'is', null), eb('sent_at', '<', before)]))
  const stall = await db
    .deleteFrom('slack_outbox')
    .where(
      'outbox_id',
      'in',
      settledBefore
        .select('outbox_id')
        .where('kind', '=', 'stall_dm')
        .where((eb) =>
          eb.or([
            eb('deal_id', 'is', null),
            eb.not(
              eb.exists(
                eb
                  .selectFrom('slack_stall_episodes as e')
                  .select('e.episode_id')
                  .whereRef('e.deal_id', '=', 'slack_outbox.deal_id')
                  .where('e.ended_on', 'is', null),
              ),
            ),
          ]),
        ),
    )
    .executeTakeFirst()
  let deleted = Number(stall.numDeletedRows)
  const digests = await settledBefore.select(['outbox_id', 'dedupe_key']).where('kind', '=', 'digest').execute()
  const old = digests.filter((r) => r.dedupe_key.slice(-10) < cutoffs.digestsBefore).map((r) => r.outbox_id)
  for (let i = 0; i < old.length; i += 500) {
    const result = await db
      .deleteFrom('slack_outbox')
      .where('outbox_id', 'in', old.slice(i, i + 500))
      .executeTakeFirst()
    deleted += Number(result.numDeletedRows)
  }
  return deleted
}
