import { createHash } from 'node:crypto'
import type { Config } from '../../config.js'
import {
  claimSlackTokenCheck,
  clearSlackTokenRefusal,
  findSlackTokenRefusal,
  recordSlackTokenRefusal,
} from '../../db/slack-token-refusals.js'
import { slackErrorCode } from '../access/slack-user-directory.js'
import type { SlackContext } from './slack-context.js'

/** Slack's answers that mean the bot token itself no longer works (not one message, not a missing scope). */
export const TOKEN_REFUSALS: ReadonlySet<string> = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
])

/** While a token is refused, Slack is asked (`auth.test`) whether it works again at most this often, across instances. */
export const TOKEN_CHECK_EVERY_MS = 60_000

/** The key a bot token is recorded under: its SHA-256 (hex), never the token itself. */
export function botTokenHash(config: Pick<Config, 'slack'>): string {
  return createHash('sha256')
    .update(config.slack.botToken ?? '')
    .digest('hex')
}

/**
 * A recorded refusal's reason in words.
 * @example tokenRefusalWords('app_uninstalled') // 'the app was uninstalled from the workspace'
 */
export const tokenRefusalWords = (reason: string): string =>
  reason === 'app_uninstalled'
    ? 'the app was uninstalled from the workspace'
    : reason === 'tokens_revoked'
      ? 'Slack revoked the bot token'
      : `Slack answers ${reason}`

/**
 * Records in the store that Slack no longer accepts `SLACK_BOT_TOKEN` (`reason`: the event, such
 * as `app_uninstalled`, or Slack's error code), so that every instance on the store pauses its
 * scheduled Slack jobs and outbox drains (see {@link slackPauseReason}) and keeps the queued
 * messages. The instance that records it logs once, at warn level, what to do. A failure to
 * record is logged, never thrown.
 */
export async function recordBotTokenRefused(ctx: SlackContext, reason: string): Promise<void> {
  try {
    const recorded = await recordSlackTokenRefusal(ctx.store.db, { tokenHash: botTokenHash(ctx.config), reason, at: ctx.clock.now() })
    if (!recorded) return
    ctx.logger.warn(
      { reason },
      `Slack no longer accepts SLACK_BOT_TOKEN (${tokenRefusalWords(reason)}): stalled-deal DMs, digests, alerts and Home refreshes are paused, and the messages waiting in the outbox are kept. Reinstall the app to the workspace (docs/slack.md, step 2) and set its Bot User OAuth Token in SLACK_BOT_TOKEN; sending resumes by itself once Slack accepts the token (at the next start, or the next scheduled job).`,
    )
  } catch (error) {
    ctx.logger.error({ err: error, reason }, 'could not record that Slack refused the bot token')
  }
}

/**
 * When `error` is Slack refusing the bot token itself ({@link TOKEN_REFUSALS}), records it (see
 * {@link recordBotTokenRefused}) and returns true; otherwise false.
 */
export async function recordIfTokenRefused(ctx: SlackContext, error: unknown): Promise<boolean> {
  const code = slackErrorCode(error)
  if (code === undefined || !TOKEN_REFUSALS.has(code)) return false
  await recordBotTokenRefused(ctx, code)
  return true
}

/**
 * Forgets a recorded refusal of `SLACK_BOT_TOKEN`: Slack has just accepted it (`auth.test` at
 * start, say). Logs at info level when sending resumes; a failure is logged, never thrown.
 */
export async function clearBotTokenRefusal(ctx: SlackContext): Promise<void> {
  try {
    if (await clearSlackTokenRefusal(ctx.store.db, botTokenHash(ctx.config))) {
      ctx.logger.info('Slack accepts SLACK_BOT_TOKEN again: scheduled DMs, digests, alerts and Home refreshes resume')
    }
  } catch (error) {
    ctx.logger.warn({ err: error }, 'could not record that Slack accepts the bot token again')
  }
}

/**
 * Why the app must not call Slack on its own now, or null when it may: a refusal of
 * `SLACK_BOT_TOKEN` is recorded in the store (by any instance). While one is, Slack is asked
 * whether the token works again (`auth.test`, at most once per {@link TOKEN_CHECK_EVERY_MS}
 * across instances); when it does, the refusal is forgotten and this returns null, so sending
 * resumes by itself. The reason is a sentence with the fix, recorded on the skipped job runs.
 */
export async function slackPauseReason(ctx: SlackContext): Promise<string | null> {
  const db = ctx.store.db
  const hash = botTokenHash(ctx.config)
  const refusal = await findSlackTokenRefusal(db, hash)
  if (!refusal) return null
  const now = ctx.clock.now()
  if (await claimSlackTokenCheck(db, hash, new Date(now.getTime() - TOKEN_CHECK_EVERY_MS), now)) {
    try {
      await ctx.pacedClient.auth.test()
      await clearBotTokenRefusal(ctx)
      return null
    } catch (error) {
      // Still refused, or Slack out of reach: either way, still paused until a later check.
      ctx.logger.debug({ code: slackErrorCode(error) }, 'Slack still refuses the bot token')
    }
  }
  return `Paused: Slack no longer accepts SLACK_BOT_TOKEN (${tokenRefusalWords(refusal.reason)}, since ${refusal.refusedAt}). Reinstall the app and set its Bot User OAuth Token in SLACK_BOT_TOKEN; messages waiting in the outbox are kept and go out once Slack accepts the token.`
}
