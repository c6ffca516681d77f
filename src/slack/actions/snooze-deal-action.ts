import { snoozeDeal } from '../../db/slack-snoozes.js'
import { endOpenStallEpisodeOfDeal } from '../../db/slack-stall-episodes.js'
import { writeUnlessBusy } from '../../db/write-unless-busy.js'
import { addDays } from '../../domain/dates.js'
import { AppError, DATABASE_BUSY } from '../../errors.js'
import type { SlackContext } from '../app/slack-context.js'
import { dealButtonListener } from './deal-action-context.js'

/** The action id of "Snooze 7 days". */
export const SNOOZE_ACTION_ID = 'pulse_snooze_7d'

/** Days a snooze lasts. */
export const SNOOZE_DAYS = 7

/**
 * "Snooze 7 days" on a stalled-deal DM: no more alerts for the deal until the snooze ends, and a
 * reminder then if it is still stalled. The stall episode the DM was about ends (its DM was
 * sent), so the quiet spell the planner finds during the snooze is a new episode whose DM waits
 * for the snooze to end. Both or neither are written; while another process writes to the store
 * (an import) the click is answered at once that the database is busy, rather than stopping the
 * app to wait for it.
 */
export function snoozeDealListener(ctx: SlackContext) {
  return dealButtonListener(ctx, 'snooze', async (dealId, body, owner) => {
    const today = ctx.clock.asOf()
    const until = addDays(today, SNOOZE_DAYS)
    const snooze = { dealId, untilDate: until, by: body.user.id, now: ctx.clock.now(), ownerId: owner.id, ownerEmail: owner.email }
    const written = await writeUnlessBusy(ctx.store.db, (db) =>
      db.transaction().execute(async (trx) => {
        await endOpenStallEpisodeOfDeal(trx, dealId, { endedOn: today, reason: 'snoozed' })
        await snoozeDeal(trx, snooze)
      }),
    )
    if (!written) throw new AppError('internal', DATABASE_BUSY)
    ctx.logger.info({ dealId, until }, 'deal snoozed')
    return { text: `Snoozed until ${until}.`, note: `:zzz: Snoozed by <@${body.user.id}> until ${until}.` }
  })
}
