import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt'
import { AppError } from '../../errors.js'
import { slowDownMessage } from '../app/command-rate-limit.js'
import type { SlackContext } from '../app/slack-context.js'
import { clip } from '../blocks/block-kit.js'
import { esc } from '../blocks/format.js'
import { answerCommand } from './answer-command.js'
import { parseCommandText, SUBCOMMANDS } from './subcommand-map.js'
import { helpAnswer } from './subcommands/help.js'

/**
 * The `/pulse` listener (for the command under any name it was given). It acks at once (Slack's 3-second rule): with usage help for an
 * unknown subcommand or bad arguments, with the help itself for `help`, and otherwise with a
 * short "working on it" note, then answers through the response URL when the report is ready.
 */
export function pulseCommandListener(ctx: SlackContext) {
  return async function pulseCommand({ command, ack, client, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> {
    // Slack always sends `text` (empty for a bare `/pulse`); a payload without it is read the same way.
    // Slack sends &, < and > as &amp;, &lt; and &gt;: read what the user typed.
    const typed = unescapeSlackText(command.text ?? '').trim()
    // The help and usage it is taught read as the command is named in this workspace.
    const invoked = esc(clip(commandName(command.command), 40))
    const { name, args } = parseCommandText(typed)
    const subcommand = SUBCOMMANDS.get(name)
    if (!subcommand) {
      const help = helpAnswer(`I don't know \`${esc(clip(name, 40))}\`. Here is what I can do:`, invoked)
      await ack({ response_type: 'ephemeral', text: help.text, blocks: help.blocks })
      return
    }
    let parsed: ReturnType<typeof subcommand.parse>
    try {
      parsed = subcommand.parse(args)
    } catch (error) {
      const message = error instanceof AppError ? error.message : `Usage: /pulse ${subcommand.usage}`
      await ack({ response_type: 'ephemeral', text: esc(message).replace(/\/pulse /g, () => `${invoked} `) })
      return
    }
    if (subcommand.access === 'public') {
      const help = helpAnswer(undefined, invoked)
      await ack({ response_type: 'ephemeral', text: help.text, blocks: help.blocks })
      return
    }
    // One person (or a script with their session) may not have reports drawn as fast as Slack delivers them.
    const turn = ctx.commandLimit.take(command.user_id, requestKey(command))
    if (!turn.allowed) {
      ctx.logger.info({ user: command.user_id, retryAfterSeconds: turn.retryAfterS }, 'pulse command not run: over the per-person limit')
      await ack({ response_type: 'ephemeral', text: slowDownMessage(turn.retryAfterS, ctx.config.commandsPerMinute) })
      return
    }
    await ack({
      response_type: 'ephemeral',
      text: `:hourglass_flowing_sand: Working on \`${invoked} ${esc(clip(typed, 200))}\`…`,
    })
    await answerCommand(ctx, {
      client,
      respond,
      userId: command.user_id,
      channelId: channelOf(command),
      commandText: typed,
      subcommand,
      parsed,
      target: { kind: 'private' },
    })
  }
}

/** What identifies one command however often Slack delivers it: its `trigger_id` (else the whole payload). */
function requestKey(command: { trigger_id?: unknown }): string {
  return typeof command.trigger_id === 'string' && command.trigger_id !== '' ? command.trigger_id : JSON.stringify(command)
}

/** The channel the command was typed in; empty when a payload names none (Slack always does, a hand-made one may not). */
function channelOf(command: { channel_id?: unknown }): string {
  return typeof command.channel_id === 'string' ? command.channel_id : ''
}

/** The command as the person typed it (`/pulse`, or the name a workspace gave it in the app's settings). */
function commandName(name: unknown): string {
  return typeof name === 'string' && name.startsWith('/') ? name : '/pulse'
}

/** Undoes Slack's escaping of `&`, `<` and `>` in text it sends (`&amp;` last, so `&amp;lt;` stays `&lt;`). */
function unescapeSlackText(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
}
