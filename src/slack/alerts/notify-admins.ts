import { lookupSlackUserId } from '../access/slack-user-directory.js'
import { openDm } from '../app/open-dm.js'
import type { SlackClient, SlackContext } from '../app/slack-context.js'
import { esc } from '../blocks/format.js'

/**
 * DMs every admin in the roster one line (a failing job, for example), escaped for mrkdwn: a CRM's
 * error text quoted in it cannot post a link or a mention. Admins Slack does not know are skipped; a failure to reach one is logged and does not stop the others. Returns how
 * many admins were messaged.
 */
export async function notifyAdmins(ctx: SlackContext, client: SlackClient, text: string): Promise<number> {
  let sent = 0
  for (const email of ctx.roster.admins) {
    try {
      const userId = await lookupSlackUserId(ctx.store.db, client, email, ctx.clock.now())
      if (!userId) continue
      await client.chat.postMessage({ channel: await openDm(client, userId), text: `:warning: ${esc(text)}` })
      sent++
    } catch (error) {
      ctx.logger.warn({ err: error }, 'an admin could not be notified')
    }
  }
  return sent
}
