import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt'
import type { Logger } from '../../log/create-logger.js'

/** What a person sees after clicking a button Sales Pulse cannot act on. */
export const EXPIRED_BUTTON = 'That button has expired. Run the command again, or `/pulse help` for what I can do.'

/**
 * The `action_id` constraint that matches every block action except `known` ones, so the
 * fallback listener never runs beside (and never acks twice with) a real one.
 */
export function otherThan(known: readonly string[]): RegExp {
  const escaped = known.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(`^(?!(?:${escaped.join('|')})$)`)
}

/**
 * A click on a button no listener knows (from an older version's message, say): acked at once,
 * so Slack shows no error after three seconds, and answered privately with a next step (when it
 * came from a message: a click in a view has no response URL to answer through).
 */
export function unknownActionListener(logger: Logger) {
  return async ({ ack, action, respond }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack()
    logger.info({ actionId: action.action_id }, 'click on an unknown button')
    // A click in a view (Home tab, modal) comes without a response_url: there is nowhere to answer.
    if (typeof respond !== 'function') return
    await respond({ response_type: 'ephemeral', replace_original: false, text: EXPIRED_BUTTON }).catch((error: unknown) => {
      logger.warn({ err: error }, 'could not answer a click on an unknown button')
    })
  }
}
