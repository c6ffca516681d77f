import type { App } from '@slack/bolt'
import type { SlackContext } from '../app/slack-context.js'
import { otherCommand, PULSE_COMMAND } from './other-command.js'
import { pulseCommandListener } from './pulse-command.js'

/** Registers the `/pulse` slash command, and an answer naming it for any other command that reaches the app. */
export function register(app: App, ctx: SlackContext): void {
  app.command(PULSE_COMMAND, pulseCommandListener(ctx))
  app.command(new RegExp(`^(?!${PULSE_COMMAND}$)`), otherCommand)
}
