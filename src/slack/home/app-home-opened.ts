import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt'
import type { SlackContext } from '../app/slack-context.js'
import { publishHome } from './publish-home.js'

/** `app_home_opened`: publish the viewer's Home tab (the Messages tab needs nothing). */
export function appHomeOpenedListener(ctx: SlackContext) {
  return async function appHomeOpened({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> {
    // Ignore app_home_opened for anything but the Home tab
    if (event.tab !== 'home') return
    try {
      await publishHome(ctx, client, event.user)
    } catch (error) {
      ctx.logger.error({ err: error, user: event.user }, 'Home view could not be published')
    }
  }
}
