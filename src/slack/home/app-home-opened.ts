import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt'
import { AppError } from '../../errors.js'
import { rateLimitRetryAfter } from '../app/after-short-rate-limit.js'
import type { SlackContext } from '../app/slack-context.js'
import { userFacingError } from '../app/user-facing-error.js'
import { buildHomeView } from './build-home-view.js'
import { isHomeTabDisabled, noteHomeTabDisabled } from './home-tab-disabled.js'
import { publishHome } from './publish-home.js'

/**
 * `app_home_opened`: publish the viewer's Home tab (the Messages tab needs nothing); when that
 * fails, a Home tab with the one sentence saying why (a missing Slack permission, say). A rate
 * limit longer than a Home publish waits out leaves the tab as it was, and is logged. A Home tab
 * turned off in the app's settings (`not_enabled`) is logged once with the fix, and nothing more is sent.
 */
export function appHomeOpenedListener(ctx: SlackContext) {
  return async function appHomeOpened({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> {
    // The Messages tab needs nothing (an event naming no tab is taken as the Home tab)
    if (event.tab === 'messages') return
    try {
      await publishHome(ctx, client, event.user)
    } catch (error) {
      // The Home tab is turned off in the app's settings: said once, and no note is sent (Slack would refuse it too).
      if (isHomeTabDisabled(error)) {
        noteHomeTabDisabled(ctx)
        return
      }
      const retryAfter = rateLimitRetryAfter(error)
      if (retryAfter !== null) {
        // A second view would be refused as well: the Home tab keeps what it showed, until the next open.
        ctx.logger.warn(
          { user: event.user, retryAfterSeconds: retryAfter },
          'Home view not published: Slack is rate-limiting the calls behind it (users.info or views.publish)',
        )
        return
      }
      if (error instanceof AppError && error.code === 'not_allowed') {
        // Someone Slack places in another workspace (a Slack Connect user): refused, not failed.
        ctx.logger.warn({ user: event.user }, 'Home view refused: the person belongs to another workspace')
      } else {
        ctx.logger.error({ err: error, user: event.user }, 'Home view could not be published')
      }
      // An empty Home tab explains nothing: show the one sentence instead (it carries no data).
      const view = buildHomeView({ kind: 'refused', message: userFacingError(error) })
      await ctx.uploadClient.views.publish({ user_id: event.user, view }).catch(() => undefined)
    }
  }
}
