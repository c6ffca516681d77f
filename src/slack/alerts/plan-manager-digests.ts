import { findOwnerIdsByEmail } from '../../db/find-owner-ids-by-email.js'
import { enqueueOutboxMessage } from '../../db/slack-outbox.js'
import type { SlackContext } from '../app/slack-context.js'
import { context, header, section } from '../blocks/block-kit.js'
import { count, esc, money } from '../blocks/format.js'

const MAX_LISTED = 15

/**
 * The daily digest for each manager in the roster: their team's stalled deals (largest first),
 * recorded in the outbox once per manager per day (`digest:<email>:<asOf>`). A manager whose team
 * has no stalled deal gets nothing. Returns how many digests were recorded.
 */
export async function planManagerDigests(ctx: SlackContext, asOf: string): Promise<number> {
  const db = ctx.store.db
  const c = ctx.config
  let queued = 0
  for (const [manager, team] of ctx.roster.managers) {
    const ownerIds = await findOwnerIdsByEmail(db, [manager, ...team])
    if (ownerIds.length === 0) continue
    const report = await ctx.services.stalled(db, {
      asOf,
      ownerIds,
      limit: MAX_LISTED,
      rules: { alertAmount: c.alertAmount, idleDays: c.idleDays, staleDays: c.staleDays },
    })
    if (report.stalledCount === 0) continue
    const lines = report.stalled.map(
      (d) =>
        `• *${esc(d.dealName ?? d.dealId)}* ${money(d.amount)}, ${esc(d.stage)}, idle ${d.daysIdle} days${d.ownerEmail ? `, ${esc(d.ownerEmail)}` : ''}`,
    )
    const more = report.stalledCount - report.stalled.length
    const text = `Your team has ${count(report.stalledCount)} stalled deals worth ${money(report.stalledAmount)}.`
    const added = await enqueueOutboxMessage(db, {
      dedupeKey: `digest:${manager}:${asOf}`,
      kind: 'digest',
      dealId: null,
      recipientEmail: manager,
      channelId: null,
      payload: {
        text,
        blocks: [
          header("Your team's stalled deals"),
          section(text),
          section(lines.join('\n')),
          context(
            `${more > 0 ? `And ${count(more)} more. ` : ''}Stalled: at least ${money(c.alertAmount)} and idle ${c.idleDays}+ days. As of ${asOf}.`,
          ),
        ],
      },
      now: ctx.clock.now(),
    })
    if (added) queued++
  }
  return queued
}
