import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt'
import { snoozeDeal } from '../../db/slack-snoozes.js'
import { addDays } from '../../domain/dates.js'
import type { SlackContext } from '../app/slack-context.js'
import { userFacingError } from '../app/user-facing-error.js'
import { context } from '../blocks/block-kit.js'
import { dealForAction, withoutButtons } from './deal-action-context.js'

/** The action id of "Snooze 7 days". */
export const SNOOZE_ACTION_ID = 'pulse_snooze_7d'

/** Days a snooze lasts. */
export const SNOOZE_DAYS = 7

/** "Snooze 7 days" on a stalled-deal DM: no more alerts for the deal until the snooze ends. */
export function snoozeDealListener(ctx: SlackContext) {
  return async function snoozeDealAction({
    ack,
    body,
    action,
    client,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> {
    await ack()
    try {
      const target = await dealForAction(ctx, client, body, action as ButtonAction)
      if (!target.ok) {
        await respond({ response_type: 'ephemeral', replace_original: false, text: target.message })
        return
      }
      const until = addDays(ctx.clock.asOf(), SNOOZE_DAYS)
      await snoozeDeal(ctx.store.db, { dealId: target.dealId, untilDate: until, by: body.user.id, now: ctx.clock.now() })
      ctx.logger.info({ dealId: target.dealId, until }, 'deal snoozed')
      await respond({
        replace_original: true,
        text: `Snoozed until ${until}.`,
        blocks: withoutButtons(body, context(`:zzz: Snoozed by <@${body.user.id}> until ${until}.`)),
      })
    } catch (error) {
      ctx.logger.error({ err: error }, 'snooze failed')
      await respond({ response_type: 'ephemeral', replace_original: false, text: userFacingError(error) }).catch(() => {})
    }
  }
}
