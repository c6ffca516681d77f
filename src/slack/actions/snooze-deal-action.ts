import { snoozeDeal } from '../../db/slack-snoozes.js'
import { addDays } from '../../domain/dates.js'
import type { SlackContext } from '../app/slack-context.js'
import { dealButtonListener } from './deal-action-context.js'

/** The action id of "Snooze 7 days". */
export const SNOOZE_ACTION_ID = 'pulse_snooze_7d'

/** Days a snooze lasts. */
export const SNOOZE_DAYS = 7

/** "Snooze 7 days" on a stalled-deal DM: no more alerts for the deal until the snooze ends. */
export function snoozeDealListener(ctx: SlackContext) {
  return dealButtonListener(ctx, 'snooze', async (dealId, body) => {
    const until = addDays(ctx.clock.asOf(), SNOOZE_DAYS)
    await snoozeDeal(ctx.store.db, { dealId, untilDate: until, by: body.user.id, now: ctx.clock.now() })
    ctx.logger.info({ dealId, until }, 'deal snoozed')
    return { text: `Snoozed until ${until}.`, note: `:zzz: Snoozed by <@${body.user.id}> until ${until}.` }
  })
}
