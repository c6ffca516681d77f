import type { App } from '@slack/bolt'
import type { SlackContext } from '../app/slack-context.js'
import { pulseCommandListener } from './pulse-command.js'

/** Registers the `/pulse` slash command. */
export function register(app: App, ctx: SlackContext): void {
  app.command('/pulse', pulseCommandListener(ctx))
}
