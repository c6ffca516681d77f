import type { ColumnType, Generated, Selectable } from 'kysely'

/** What an outbox row is for. */
export type OutboxKind = 'stall_dm' | 'digest' | 'anomaly'

/**
 * Where an outbox row is on its way out: recorded (`pending`), handed to Slack (`sending`, the
 * state a crash can leave behind), `sent`, given up (`failed`), or not deliverable (`skipped`,
 * for example an owner Slack does not know).
 */
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'skipped'

/**
 * `slack_stall_episodes`: one row per stretch during which a deal is stalled. An episode opens
 * when a deal is first seen stalled and ends when it is active again or no longer stalled;
 * exactly one owner DM belongs to each episode. Dates `YYYY-MM-DD`.
 */
export interface SlackStallEpisodesTable {
  episode_id: Generated<number>
  deal_id: string
  owner_email: string | null
  started_on: string
  /** The deal's last-activity date when the episode opened: a later one means renewed activity. */
  activity_mark: string
  ended_on: string | null
  end_reason: string | null
}

/**
 * `slack_outbox`: every message the app means to send on its own (owner DMs, manager digests,
 * channel alerts), written before it is sent and updated after, so a crash or restart neither
 * repeats nor drops one. `dedupe_key` is unique (`stall:<episode>`, `digest:<email>:<date>`,
 * `anomaly:<month>`).
 */
export interface SlackOutboxTable {
  outbox_id: Generated<number>
  dedupe_key: string
  kind: OutboxKind
  deal_id: string | null
  /** Email of the person to DM, or null for a channel post. */
  recipient_email: string | null
  /** Channel id for a channel post; the DM channel once opened. */
  channel_id: string | null
  slack_user_id: string | null
  /** JSON `{ text, blocks }` (plus `chart` for an anomaly). */
  payload: string
  status: OutboxStatus
  attempts: ColumnType<number, number | undefined, number>
  created_at: string
  /** ISO time the last attempt was handed to Slack (recovery looks for the message after it). */
  attempt_started_at: string | null
  sent_at: string | null
  message_ts: string | null
  last_error: string | null
}

/** `slack_snoozes`: a deal whose owner asked for quiet until `until_date` (exclusive). */
export interface SlackSnoozesTable {
  deal_id: string
  until_date: string
  snoozed_by: string
  created_at: string
  /** The deal's owner when the snooze was asked for (null: written before owners were recorded; holds for any owner). */
  owner_id: string | null
  /** That owner's email then, lower-case (null: written before emails were recorded, or the owner had none; then `owner_id` decides). */
  owner_email: string | null
}

/**
 * `slack_user_cache`: Slack users by lower-case email, from `users.lookupByEmail` or
 * `users.info`. A row with a null `slack_user_id` remembers that Slack did not know the email.
 */
export interface SlackUserCacheTable {
  email: string
  slack_user_id: string | null
  checked_at: string
}

/** `slack_home_views`: the last Home view published for each Slack user. */
export interface SlackHomeViewsTable {
  slack_user_id: string
  role: string
  block_count: number
  published_at: string
  view_hash: string | null
  /** JSON array of the token hashes of the Home charts the published view shows; null: not recorded (a view published before this was). */
  chart_hashes: string | null
}

/**
 * `slack_home_snapshots`: precomputed figures for Home views, one per scope (`all`,
 * `team:<manager email>`), refreshed after each sync so opening Home does not recompute reports.
 */
export interface SlackHomeSnapshotsTable {
  scope_key: string
  as_of: string
  payload: string
  computed_at: string
}

/**
 * `slack_chart_images`: chart PNGs served by the app for Home views at an unguessable URL.
 * Only the SHA-256 of the token is stored; rows expire at `expires_at` (ISO time), and go sooner
 * once no Home snapshot or published Home view names them (`unreferenced_since`, `pruneChartImages`).
 */
export interface SlackChartImagesTable {
  token_hash: string
  png: Buffer
  expires_at: string
  created_at: string
  /** Since when (ISO time) no stored Home snapshot and no published Home view names this chart; null while one does. */
  unreferenced_since: string | null
}

/**
 * `slack_token_refusals`: a bot token Slack refused for good (`app_uninstalled`, `tokens_revoked`,
 * or `invalid_auth`, `account_inactive`, `token_revoked` ... to a call), by the SHA-256 of the
 * token (hex; never the token). While a row names the token in use, the scheduled Slack jobs and
 * outbox drains make no Slack call; it is deleted once Slack accepts the token again.
 */
export interface SlackTokenRefusalsTable {
  token_hash: string
  /** Why: the event or Slack's error code (`app_uninstalled`, `token_revoked`, ...). */
  reason: string
  /** ISO time the refusal was first recorded. */
  refused_at: string
  /** ISO time the token was last tried (`auth.test`) and still refused. */
  checked_at: string
}

/**
 * `slack_share_claims`: an answer being (or already) shared into a channel by its "Share in
 * channel" button, keyed by the SHA-256 of who clicked, the message and the button; a claim lasts
 * as long as the answer's response URL (30 minutes) and is deleted when the share fails.
 */
export interface SlackShareClaimsTable {
  share_key: string
  /** Who claimed it: a token unique to one click. */
  holder: string
  claimed_at: string
  expires_at: string
}

/** Tables of the slack area, created by `migrations/0005-slack.ts` (`0011` token refusals, `0012` share claims). */
export interface SlackTables {
  slack_stall_episodes: SlackStallEpisodesTable
  slack_outbox: SlackOutboxTable
  slack_snoozes: SlackSnoozesTable
  slack_user_cache: SlackUserCacheTable
  slack_home_views: SlackHomeViewsTable
  slack_home_snapshots: SlackHomeSnapshotsTable
  slack_chart_images: SlackChartImagesTable
  slack_token_refusals: SlackTokenRefusalsTable
  slack_share_claims: SlackShareClaimsTable
}

/** A `slack_outbox` row as read. */
export type OutboxRow = Selectable<SlackOutboxTable>
/** A `slack_stall_episodes` row as read. */
export type StallEpisodeRow = Selectable<SlackStallEpisodesTable>
