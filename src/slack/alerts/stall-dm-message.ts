import type { StalledDeal } from '../../analytics/report-types.js'
import type { DealLink } from '../../db/find-deal-links.js'
import { OPEN_IN_CRM_ACTION_ID } from '../actions/open-in-crm-action.js'
import { SNOOZE_ACTION_ID } from '../actions/snooze-deal-action.js'
import { UPDATED_ACTION_ID } from '../actions/updated-in-crm-action.js'
import type { DealHealth } from '../app/pulse-services.js'
import { type ButtonSpec, buttons, context, fields, section } from '../blocks/block-kit.js'
import { count, countOf, esc, escName, moneyIn } from '../blocks/format.js'
import type { OutboxPayload } from '../outbox/outbox-payload.js'

/** What a stalled-deal DM says of its deal (a stalled report's row has it all). */
export type StallDmDeal = Pick<StalledDeal, 'dealId' | 'dealName' | 'amount' | 'stage' | 'daysIdle' | 'idleFrom'>

/**
 * The DM to a stalled deal's owner: deal, amount, stage, days idle, health score and reasons,
 * with "Snooze 7 days", "Updated in CRM" and (when the CRM URL is known) "Open in CRM". With
 * `asOf` (the day the figures are of), the payload records it and the figures (`stall`), so a
 * delivery on another day can tell that they need writing again.
 */
export function stallDmMessage(
  deal: StallDmDeal,
  link: DealLink | undefined,
  health: DealHealth | undefined,
  asOf?: string,
): OutboxPayload {
  const name = link?.dealName ?? deal.dealName ?? deal.dealId
  const actions: ButtonSpec[] = [
    { text: 'Snooze 7 days', actionId: SNOOZE_ACTION_ID, value: deal.dealId },
    { text: 'Updated in CRM', actionId: UPDATED_ACTION_ID, value: deal.dealId, style: 'primary' },
  ]
  const crmUrl = linkButtonUrl(link?.crmUrl)
  if (crmUrl) actions.push({ text: 'Open in CRM', actionId: OPEN_IN_CRM_ACTION_ID, url: crmUrl })
  const blocks = [
    section(`:hourglass: *${escName(name, 1000)}* ${idleHeadline(deal)}.`),
    fields([
      `*Amount*\n${moneyIn(deal.amount, link?.currency)}`,
      `*Stage*\n${esc(deal.stage)}`,
      `*Days idle*\n${count(deal.daysIdle)}`,
      `*Health*\n${health ? `${health.healthScore}/100` : 'not scored yet'}`,
    ]),
    ...(health && health.reasons.length > 0
      ? [
          section(
            health.reasons
              .slice(0, 5)
              .map((r) => `• ${esc(r)}`)
              .join('\n'),
          ),
        ]
      : []),
    buttons(actions),
    context(`Deal ${esc(deal.dealId)}. You get one message per quiet spell; snooze to stay quiet for a week.`),
  ]
  return {
    text: `${esc(name)} (${moneyIn(deal.amount, link?.currency)}, ${esc(deal.stage)}) has been idle ${countOf(deal.daysIdle, 'day')}.`,
    blocks,
    ...(asOf === undefined ? {} : { stall: { asOf, amount: deal.amount, stage: deal.stage, daysIdle: deal.daysIdle } }),
  }
}

/**
 * "has had no activity for *23 days*"; without a recorded activity date, the date the days run from
 * instead ("has no activity recorded; it was created *23 days* ago"), not a quiet spell stated as fact.
 */
function idleHeadline(deal: StallDmDeal): string {
  const days = `*${countOf(deal.daysIdle, 'day')}*`
  switch (deal.idleFrom) {
    case 'activity':
      return `has had no activity for ${days}`
    case 'update':
      return `has no activity recorded; its record was last updated ${days} ago`
    case 'stage':
      return `has no activity recorded; it entered ${esc(deal.stage)} ${days} ago`
    case 'created':
      return `has no activity recorded; it was created ${days} ago`
  }
}

/**
 * A CRM link as a link button takes it: an absolute http(s) URL, percent-encoded (a space or an
 * accent in a CSV's crm_url), at most 3,000 characters; otherwise none, since Slack refuses the
 * whole message over one invalid or overlong button URL (`invalid_url`) and the DM would be lost.
 */
function linkButtonUrl(raw: string | null | undefined): string | undefined {
  if (!raw) return undefined
  try {
    const url = new URL(raw.trim())
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && url.href.length <= 3000) return url.href
  } catch {
    // Not a URL at all: no button.
  }
  return undefined
}
