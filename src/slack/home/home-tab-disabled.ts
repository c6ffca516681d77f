import { slackErrorCode } from '../access/slack-user-directory.js'
import type { SlackContext } from '../app/slack-context.js'

/**
 * What the log says when Slack refuses a Home view with `not_enabled`: the app's Home tab is
 * turned off in its settings, so no view can be shown to anyone until it is turned on.
 */
export const HOME_TAB_DISABLED =
  "Slack refuses to show Sales Pulse's Home tab (views.publish: not_enabled): the Home tab is turned off in the app's settings. Turn it on under App Home -> Show Tabs -> Home Tab at https://api.slack.com/apps (or set features.app_home.home_tab_enabled: true in the app's manifest, as manifest.yml does). Commands, buttons and DMs are served meanwhile."

/** Whether Slack refused a `views.publish` because the app's Home tab is turned off (`not_enabled`). */
export function isHomeTabDisabled(error: unknown): boolean {
  return slackErrorCode(error) === 'not_enabled'
}

/** The apps whose Home tab Slack has said is turned off, since their last Home view Slack took. */
const told = new WeakSet<SlackContext>()

/**
 * Logs {@link HOME_TAB_DISABLED} at warn level, once until a Home view is taken again
 * ({@link noteHomeTabShown}): every open of the tab would otherwise log it again.
 */
export function noteHomeTabDisabled(ctx: SlackContext): void {
  if (told.has(ctx)) return
  told.add(ctx)
  ctx.logger.warn(HOME_TAB_DISABLED)
}

/** Slack took a Home view: the tab is on, and a later `not_enabled` is logged again. */
export function noteHomeTabShown(ctx: SlackContext): void {
  told.delete(ctx)
}
