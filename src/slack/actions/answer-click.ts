import type { BlockAction, RespondFn } from '@slack/bolt'
import type { Logger } from '../../log/create-logger.js'
import type { SlackClient } from '../app/slack-context.js'
import type { Block } from '../blocks/block-kit.js'

/**
 * What a button click is answered with: the clicked message replaced (`replace: true`: new text
 * and blocks, the buttons gone) or a private note under it that only the clicker sees.
 */
export type ClickAnswer =
  | { readonly replace: true; readonly text: string; readonly blocks: Block[] }
  | { readonly replace: false; readonly text: string }

/**
 * Answers a button click through its `response_url`; when Slack refuses that (a 404 once it has
 * expired or been used 5 times, a 5xx in an outage) or there is none, through the Web API
 * instead: `chat.update` of the clicked message for a replacement, `chat.postEphemeral` to the
 * clicker for a note. Never throws: a click whose work is done is not reported as failed because
 * its answer could not be shown; what could not be shown is logged (warn).
 */
export async function answerClick(
  logger: Logger,
  client: SlackClient,
  body: BlockAction,
  respond: RespondFn | undefined,
  answer: ClickAnswer,
): Promise<void> {
  try {
    if (typeof respond !== 'function') throw new Error('the click carried no response_url')
    await respond(
      answer.replace
        ? { replace_original: true, text: answer.text, blocks: answer.blocks }
        : { response_type: 'ephemeral', replace_original: false, text: answer.text },
    )
    return
  } catch (error) {
    logger.warn({ err: error }, 'the response URL refused the answer to a click; answering through the Web API')
  }
  const channel = body.channel?.id ?? body.container?.channel_id
  const ts = body.message?.ts ?? body.container?.message_ts
  try {
    if (typeof channel !== 'string' || channel === '') throw new Error('the click names no channel')
    if (answer.replace && typeof ts === 'string' && ts !== '') {
      await client.chat.update({ channel, ts, text: answer.text, blocks: answer.blocks })
    } else {
      await client.chat.postEphemeral({ channel, user: body.user.id, text: answer.text })
    }
  } catch (error) {
    logger.warn({ err: error }, 'could not answer a click')
  }
}
