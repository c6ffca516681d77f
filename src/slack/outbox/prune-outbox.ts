import { pruneSettledOutbox } from '../../db/slack-outbox.js'
import { addDays } from '../../domain/dates.js'
import type { SlackContext } from '../app/slack-context.js'

/** Days a settled outbox row is kept (for the log of what was sent) before it may be pruned. */
export const OUTBOX_RETENTION_DAYS = 30

/**
 * Deletes outbox rows settled more than {@link OUTBOX_RETENTION_DAYS} ago (wall clock) whose
 * dedupe keys can never be asked for again (see `pruneSettledOutbox`; digests dated that long
 * before the report date). Run after the weekday DM job's delivery. Returns how many went.
 */
export async function pruneOutbox(ctx: Pick<SlackContext, 'store' | 'clock' | 'logger'>): Promise<number> {
  const now = ctx.clock.now()
  const deleted = await pruneSettledOutbox(ctx.store.db, {
    before: new Date(now.getTime() - OUTBOX_RETENTION_DAYS * 86_400_000),
    digestsBefore: addDays(ctx.clock.asOf(), -OUTBOX_RETENTION_DAYS),
  })
  if (deleted > 0) ctx.logger.info({ deleted }, 'old delivered outbox messages pruned')
  return deleted
}
