import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt'
import { snoozeDeal } from '../../db/slack-snoozes.js'
import { endOpenStallEpisodeOfDeal } from '../../db/slack-stall-episodes.js'
import { addDays } from '../../domain/dates.js'
import type { SlackContext } from '../app/slack-context.js'
import { userFacingError } from '../app/user-facing-error.js'
import { context } from '../blocks/block-kit.js'
import { dealForAction, withoutButtons } from './deal-action-context.js'

/** The action id of "Updated in CRM". */
export const UPDATED_ACTION_ID = 'pulse_updated_in_crm'

/**
 * "Updated in CRM": the owner says the deal moved. The stall episode ends, and the deal stays
 * quiet for the idle limit (the CRM's new activity reaches us with the next sync; a deal that
 * is really idle again after that starts a new episode).
 */
export function updatedInCrmListener(ctx: SlackContext) {
  return async function updatedInCrmAction({
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
      const today = ctx.clock.asOf()
      await endOpenStallEpisodeOfDeal(ctx.store.db, target.dealId, { endedOn: today, reason: 'owner_updated' })
      await snoozeDeal(ctx.store.db, {
        dealId: target.dealId,
        untilDate: addDays(today, Math.max(1, ctx.config.idleDays)),
        by: body.user.id,
        now: ctx.clock.now(),
      })
      ctx.logger.info({ dealId: target.dealId }, 'deal marked updated in CRM')
      await respond({
        replace_original: true,
        text: 'Thanks, marked as updated.',
        blocks: withoutButtons(body, context(`:white_check_mark: <@${body.user.id}> updated this deal in the CRM.`)),
      })
    } catch (error) {
      ctx.logger.error({ err: error }, 'updated-in-CRM failed')
      await respond({ response_type: 'ephemeral', replace_original: false, text: userFacingError(error) }).catch(() => {})
    }
  }
}
