import { snoozeDeal } from '../../db/slack-snoozes.js'
import { endOpenStallEpisodeOfDeal } from '../../db/slack-stall-episodes.js'
import { writeUnlessBusy } from '../../db/write-unless-busy.js'
import { addDays } from '../../domain/dates.js'
import { AppError, DATABASE_BUSY } from '../../errors.js'
import type { SlackContext } from '../app/slack-context.js'
import { dealButtonListener } from './deal-action-context.js'

/** The action id of "Updated in CRM". */
export const UPDATED_ACTION_ID = 'pulse_updated_in_crm'

/**
 * "Updated in CRM": the owner says the deal moved. The stall episode ends, and the deal stays
 * quiet for the idle limit (the CRM's new activity reaches us with the next sync; a deal that
 * is really idle again after that starts a new episode). Both or neither are written; while
 * another process writes to the store (an import) the click is answered at once that the
 * database is busy, rather than stopping the app to wait for it.
 */
export function updatedInCrmListener(ctx: SlackContext) {
  return dealButtonListener(ctx, 'updated-in-CRM', async (dealId, body, owner) => {
    const today = ctx.clock.asOf()
    const snooze = {
      dealId,
      untilDate: addDays(today, Math.max(1, ctx.config.idleDays)),
      by: body.user.id,
      now: ctx.clock.now(),
      ownerId: owner.id,
      ownerEmail: owner.email,
    }
    const written = await writeUnlessBusy(ctx.store.db, (db) =>
      db.transaction().execute(async (trx) => {
        await endOpenStallEpisodeOfDeal(trx, dealId, { endedOn: today, reason: 'owner_updated' })
        await snoozeDeal(trx, snooze)
      }),
    )
    if (!written) throw new AppError('internal', DATABASE_BUSY)
    ctx.logger.info({ dealId }, 'deal marked updated in CRM')
    return { text: 'Thanks, marked as updated.', note: `:white_check_mark: <@${body.user.id}> updated this deal in the CRM.` }
  })
}
