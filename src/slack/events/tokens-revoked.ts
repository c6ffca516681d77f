import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt'
import { recordBotTokenRefused } from '../app/bot-token-refusal.js'
import type { SlackContext } from '../app/slack-context.js'

/**
 * `tokens_revoked`: when it names a bot token (`tokens.bot`, the bot user of this app), the bot
 * token is recorded as refused, as after `app_uninstalled`. User tokens alone (`tokens.oauth`:
 * someone signed out of an OAuth grant) leave the bot as it is: the app sends with its bot token only.
 */
export function tokensRevokedListener(ctx: SlackContext) {
  return async function tokensRevoked({ event }: SlackEventMiddlewareArgs<'tokens_revoked'> & AllMiddlewareArgs): Promise<void> {
    if ((event.tokens?.bot ?? []).length > 0) {
      await recordBotTokenRefused(ctx, 'tokens_revoked')
      return
    }
    ctx.logger.info('Slack revoked user tokens only; the bot token is unaffected')
  }
}
