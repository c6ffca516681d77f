import type { StalledReport } from '../../analytics/report-types.js'
import { stalledMoney } from '../../analytics/stalled-money.js'
import { findOwnerIdsByEmail } from '../../db/find-owner-ids-by-email.js'
import { enqueueOutboxMessage } from '../../db/slack-outbox.js'
import { teamSignature } from '../access/team-signature.js'
import type { SlackContext } from '../app/slack-context.js'
import { context, fitLines, header, section } from '../blocks/block-kit.js'
import { count, countOf, esc, escName } from '../blocks/format.js'
import type { OutboxPayload } from '../outbox/outbox-payload.js'

const MAX_LISTED = 15

/**
 * The daily digest for each manager in the roster: their team's stalled deals (largest first),
 * recorded in the outbox once per manager per day (`digest:<email>:<asOf>`), with the team it
 * lists (a digest still waiting when a roster edit changed that team is not sent: see
 * `drainOutbox`). A manager whose team has no stalled deal, or who has no one on their team (their
 * own stalled deals come as owner DMs), gets nothing. Returns how many
 * digests were recorded.
 */
export async function planManagerDigests(ctx: SlackContext, asOf: string): Promise<number> {
  const db = ctx.store.db
  const c = ctx.config
  let queued = 0
  for (const [manager, team] of ctx.roster.managers) {
    // A manager with no one on their team owns every deal the digest would list, and gets those
    // deals' owner DMs already: a digest would only say them twice.
    if (![...team].some((email) => email !== manager)) continue
    const ownerIds = await findOwnerIdsByEmail(db, [manager, ...team])
    if (ownerIds.length === 0) continue
    const report = await ctx.services.stalled(db, {
      asOf,
      ownerIds,
      limit: MAX_LISTED,
      // A digest lists deals to act on: open now.
      openNow: true,
      rules: { alertAmount: c.alertAmount, idleDays: c.idleDays, staleDays: c.staleDays },
    })
    if (report.stalledCount === 0) continue
    const added = await enqueueOutboxMessage(db, {
      dedupeKey: `digest:${manager}:${asOf}`,
      kind: 'digest',
      dealId: null,
      recipientEmail: manager,
      channelId: null,
      payload: { ...managerDigestMessage(report, asOf), team: teamSignature(ctx.roster, manager) },
      now: ctx.clock.now(),
    })
    if (added) queued++
  }
  return queued
}

/**
 * A manager's digest: how many of the team's deals are stalled and their worth, the listed ones
 * (largest first) with owner, and the rule. Pure.
 */
export function managerDigestMessage(report: StalledReport, asOf: string): OutboxPayload {
  // Each deal in its own currency; the total in theirs, or marked mixed with a note naming them.
  const amounts = stalledMoney(report)
  // Whole lines only: the deals that do not fit the section are counted with the rest.
  const lines = fitLines(
    report.stalled.map(
      (d) =>
        `• *${escName(d.dealName ?? d.dealId)}* ${esc(amounts.deal(d))}, ${escName(d.stage)}, idle ${countOf(d.daysIdle, 'day')}${d.ownerEmail ? `, ${escName(d.ownerEmail)}` : ''}`,
    ),
  )
  const more = report.stalledCount - lines.length
  const deals = report.stalledCount === 1 ? '1 stalled deal' : `${count(report.stalledCount)} stalled deals`
  const text = `Your team has ${deals} worth ${esc(amounts.total(report.stalledAmount))}.${amounts.note.length > 0 ? ` ${esc(amounts.note.join(' '))}` : ''}`
  return {
    text,
    blocks: [
      header("Your team's stalled deals"),
      section(text),
      section(lines.join('\n')),
      context(
        `${more > 0 ? `And ${count(more)} more. ` : ''}Stalled: at least ${esc(amounts.bound(report.rules.alertAmount))} and idle ${count(report.rules.idleDays)}+ days. As of ${asOf}.`,
      ),
    ],
  }
}
