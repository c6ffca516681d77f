import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt'
import { clip } from '../blocks/block-kit.js'
import { esc } from '../blocks/format.js'

/** The one slash command Sales Pulse answers (as `manifest.yml` names it). */
export const PULSE_COMMAND = '/pulse'

/**
 * A slash command other than `/pulse` that reaches the app (one added to, or renamed in, the
 * app's settings): acked at once with the command to use and where the mistake is, so Slack
 * shows the person a sentence instead of a failure after three seconds. Nothing else runs.
 */
export async function otherCommand({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> {
  const name = typeof command.command === 'string' ? command.command : ''
  await ack({
    response_type: 'ephemeral',
    text: `Sales Pulse answers \`${PULSE_COMMAND}\` (try \`${PULSE_COMMAND} help\`), not \`${esc(clip(name, 40))}\`. A Slack admin can set the command's name back to ${PULSE_COMMAND} in the app's settings (see manifest.yml).`,
  })
}
