import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt'
import { recordBotTokenRefused } from '../app/bot-token-refusal.js'
import type { SlackContext } from '../app/slack-context.js'

/**
 * `app_uninstalled`: the app was removed from the workspace and its tokens no longer work. The
 * bot token is recorded as refused, so the scheduled Slack jobs pause (runs recorded as skipped)
 * and queued messages wait, on every instance, until Slack accepts a token again.
 */
export function appUninstalledListener(ctx: SlackContext) {
  return async function appUninstalled(_args: SlackEventMiddlewareArgs<'app_uninstalled'> & AllMiddlewareArgs): Promise<void> {
    await recordBotTokenRefused(ctx, 'app_uninstalled')
  }
}
