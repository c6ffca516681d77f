import type { App } from '@slack/bolt'
import type { SlackContext } from '../app/slack-context.js'
import { pulseCommandListener } from './pulse-command.js'

/**
 * Registers the `/pulse` slash command, under whatever name it reaches the app: a workspace
 * where `/pulse` is taken renames it in the app's settings (`/salespulse`), and Slack sends the
 * app only the commands its settings list.
 */
export function register(app: App, ctx: SlackContext): void {
  app.command(/^\//, pulseCommandListener(ctx))
}
