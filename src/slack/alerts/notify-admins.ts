import { ownWorkspaceOnce } from '../access/own-workspace-once.js'
import { afterShortRateLimit } from '../app/after-short-rate-limit.js'
import { recordIfTokenRefused, slackPauseReason } from '../app/bot-token-refusal.js'
import { openDmByEmail } from '../app/open-dm-by-email.js'
import type { SlackClient, SlackContext } from '../app/slack-context.js'
import { esc } from '../blocks/format.js'

/** The longest Retry-After (seconds) an admin's notice waits out, once (it holds up no one else). */
const NOTICE_MAX_RETRY_AFTER_S = 60

/**
 * DMs every admin in the roster one line (a failing job, for example), escaped for mrkdwn: a CRM's
 * error text quoted in it cannot post a link or a mention. Admins Slack does not know are skipped; a failure to reach one is logged and does not stop the others. Returns how
 * many admins were messaged. With a `client` that throws on 429 (the app's), a Retry-After of up
 * to {@link NOTICE_MAX_RETRY_AFTER_S} seconds is waited out once per admin. While Slack no longer
 * accepts the bot token (see `slackPauseReason`) nobody is messaged, and a refusal of the token
 * met on the way is recorded and ends the round.
 */
export async function notifyAdmins(ctx: SlackContext, client: SlackClient, text: string): Promise<number> {
  let sent = 0
  if (ctx.roster.admins.size === 0) return sent
  // Slack would refuse the notice too: the log has it (and the job run its reason). The database
  // out of reach (what the notice may be about) does not keep it from Slack.
  if ((await slackPauseReason(ctx).catch(() => null)) !== null) {
    ctx.logger.info('admins not notified in Slack: Slack no longer accepts the bot token')
    return sent
  }
  const lookup = { own: ownWorkspaceOnce(ctx, client), logger: ctx.logger, refuseOthers: ctx.config.slackOtherWorkspaces === 'refuse' }
  for (const email of ctx.roster.admins) {
    try {
      // A 429 comes before anything is posted, so the steps are safe to run again (the lookup and DM are remembered).
      const delivered = await afterShortRateLimit(async () => {
        const dm = await openDmByEmail(ctx.store.db, client, email, ctx.clock.now(), lookup)
        if (!dm) return false
        await client.chat.postMessage({ channel: dm.channel, text: `:warning: ${esc(text)}` })
        return true
      }, NOTICE_MAX_RETRY_AFTER_S)
      if (!delivered) continue
      sent++
    } catch (error) {
      if (await recordIfTokenRefused(ctx, error)) return sent
      ctx.logger.warn({ err: error }, 'an admin could not be notified')
    }
  }
  return sent
}
