import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt'
import type { SlackContext } from '../app/slack-context.js'
import { answerCommand } from '../commands/answer-command.js'
import { parseCommandText, SUBCOMMANDS } from '../commands/subcommand-map.js'

/**
 * "Share in channel" under a private answer: runs the same command again for the person who
 * clicked (through the same access check) and posts it, chart included, into the channel
 * the command came from.
 */
export function shareInChannelListener(ctx: SlackContext) {
  return async function shareInChannelAction({
    ack,
    body,
    action,
    client,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> {
    await ack()
    let shared: { t: string; c: string }
    try {
      shared = JSON.parse((action as ButtonAction).value ?? '')
      if (typeof shared.t !== 'string' || typeof shared.c !== 'string') throw new Error('bad share value')
    } catch {
      await respond({ response_type: 'ephemeral', replace_original: false, text: 'That button has expired. Run the command again.' })
      return
    }
    const { name, args } = parseCommandText(shared.t)
    const subcommand = SUBCOMMANDS.get(name)
    if (!subcommand) return
    await answerCommand(ctx, {
      client,
      respond,
      userId: body.user.id,
      channelId: shared.c,
      commandText: shared.t,
      subcommand,
      parsed: subcommand.parse(args),
      target: { kind: 'share', channelId: shared.c },
    })
  }
}
