import type { App } from '@slack/bolt'
import type { SlackContext } from '../app/slack-context.js'
import { appHomeOpenedListener } from './app-home-opened.js'

/** Registers the App Home listener. */
export function register(app: App, ctx: SlackContext): void {
  app.event('app_home_opened', appHomeOpenedListener(ctx))
}
