import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt'
import type { SlackContext } from '../app/slack-context.js'
import { answerCommand } from '../commands/answer-command.js'
import type { ParsedSubcommand, Subcommand } from '../commands/subcommand.js'
import { parseCommandText, SUBCOMMANDS } from '../commands/subcommand-map.js'
import { EXPIRED_BUTTON } from './unknown-action.js'

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
    // The button carries the command it shares; one that no longer parses (an older version's,
    // or a tampered one) is answered like an expired button.
    let request: { shared: { t: string; c: string }; subcommand: Subcommand; parsed: ParsedSubcommand }
    try {
      const shared = JSON.parse((action as ButtonAction).value ?? '') as { t?: unknown; c?: unknown }
      if (typeof shared.t !== 'string' || typeof shared.c !== 'string' || !/^[CGDZ][A-Z0-9]+$/.test(shared.c))
        throw new Error('bad share value')
      const { name, args } = parseCommandText(shared.t)
      const subcommand = SUBCOMMANDS.get(name)
      if (!subcommand || subcommand.access === 'public') throw new Error('bad share value')
      request = { shared: { t: shared.t, c: shared.c }, subcommand, parsed: subcommand.parse(args) }
    } catch {
      await respond({ response_type: 'ephemeral', replace_original: false, text: EXPIRED_BUTTON })
      return
    }
    await answerCommand(ctx, {
      client,
      respond,
      userId: body.user.id,
      channelId: request.shared.c,
      commandText: request.shared.t,
      subcommand: request.subcommand,
      parsed: request.parsed,
      target: { kind: 'share', channelId: request.shared.c },
    })
  }
}
