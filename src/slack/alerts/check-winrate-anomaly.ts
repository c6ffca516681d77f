import type { WinrateMonth } from '../../analytics/report-types.js'
import {
  deleteSkippedOutbox,
  enqueueOutboxMessage,
  findUndeliveredOutbox,
  skipPendingOutbox,
  skipUncheckedOutbox,
} from '../../db/slack-outbox.js'
import type { SlackContext } from '../app/slack-context.js'
import { context, header, section } from '../blocks/block-kit.js'
import { count, esc, monthLabel, pct, pctApart } from '../blocks/format.js'
import { ALERT_CHANNEL_REFUSALS } from '../outbox/drain-outbox.js'
import type { OutboxPayload } from '../outbox/outbox-payload.js'

/** What the anomaly check found. */
export interface AnomalyCheck {
  /** The latest complete month, or null when there is none. */
  readonly month: WinrateMonth | null
  /** True when that month is flagged low and an alert was recorded now (false if already recorded). */
  readonly queued: boolean
}

/**
 * The daily anomaly check: when the latest complete month's win rate is flagged low, record one
 * alert for `PULSE_ALERT_CHANNEL` (`anomaly:<month>`, so it is posted once however often this
 * runs), with the evidence; the chart follows in its thread when the outbox delivers it. Records
 * nothing without an alert channel. An alert still waiting to be posted (its channel refused the
 * app, or its send was cut off and the channel then refused the app its history) that is not
 * about the latest complete month flagged low now (a later month has been
 * checked since, or new data put that month back in its normal range), or any such alert once
 * no alert channel is set (an admin turned alerts off), is dropped (settled as `skipped`), never
 * posted late. A month whose alert was dropped so, unposted, and that is again the latest
 * complete month flagged low with a channel set (the channel set again, or the data flagging it
 * again) has its alert recorded afresh: it is due now, and was never posted.
 */
export async function checkWinRateAnomaly(ctx: SlackContext, asOf: string): Promise<AnomalyCheck> {
  const report = await ctx.services.winrate(ctx.store.db, { asOf })
  const month = [...report.months].reverse().find((m) => !m.partial) ?? null
  const current = month?.anomaly === 'low' && ctx.config.alertChannel ? `anomaly:${month.month}` : null
  const stale = (await findUndeliveredOutbox(ctx.store.db, ['anomaly'])).filter((r) => r.dedupe_key !== current).map((r) => r.dedupe_key)
  const why = 'the win rate it reported is no longer the latest complete month flagged low'
  await skipPendingOutbox(ctx.store.db, stale, why)
  // One whose send was cut off and whose channel then refused the app its history is waiting too.
  await skipUncheckedOutbox(ctx.store.db, stale, ALERT_CHANNEL_REFUSALS, why)
  if (month?.anomaly !== 'low' || !ctx.config.alertChannel) return { month, queued: false }
  const label = monthLabel(month.month)
  // The notification states the rate as the evidence under it does (24.8%, not 25%, against a 25.0% limit).
  const [rate, lcl] = pctApart(month.winRate, month.lcl)
  const text = `Win rate fell below its normal range in ${label}: ${rate} vs ${pct(month.center)} expected.`
  const evidence = [
    `*${rate}* won in ${label} (${count(month.won)} of ${count(month.n)} closed deals).`,
    `Normal range ${lcl}-${pct(month.ucl)} around ${pct(month.center)}, from ${count(month.baselineN)} deals closed ${month.baselineFrom ? monthLabel(month.baselineFrom) : '?'} to ${month.baselineTo ? monthLabel(month.baselineTo) : '?'}.`,
    ...(month.runRules.length > 0 ? [`Also: ${month.runRules.map(esc).join('; ')}.`] : []),
  ]
  const findings = report.findings.filter((f) => f.significant).slice(0, 3)
  const payload: OutboxPayload = {
    text,
    blocks: [
      header(`Win rate alert: ${label}`),
      section(evidence.join('\n')),
      ...(findings.length > 0 ? [section(findings.map((f) => `• ${esc(f.text)}`).join('\n'))] : []),
      context(`${esc(report.limitNote)} As of ${asOf}. Run \`/pulse winrate\` or \`/pulse drivers\` for more.`),
    ],
    chart: { kind: 'winrate', asOf, title: `Win rate alert: ${label}`, filename: `winrate-alert-${month.month}.png` },
  }
  // A dropped alert (skipped: never posted) does not stand in for the one due now.
  await deleteSkippedOutbox(ctx.store.db, [`anomaly:${month.month}`])
  const queued = await enqueueOutboxMessage(ctx.store.db, {
    dedupeKey: `anomaly:${month.month}`,
    kind: 'anomaly',
    dealId: null,
    recipientEmail: null,
    channelId: ctx.config.alertChannel,
    payload,
    now: ctx.clock.now(),
  })
  if (queued) ctx.logger.info({ month: month.month }, 'win-rate anomaly alert recorded')
  return { month, queued }
}
