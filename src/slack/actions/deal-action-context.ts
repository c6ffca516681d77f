import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt'
import { findArchivedDealOwner } from '../../db/find-archived-deal-owner.js'
import { findOpenDealOwners } from '../../db/find-open-deal-owners.js'
import { wasStallOwnerOfDeal } from '../../db/slack-stall-episodes.js'
import { authorize } from '../access/authorize.js'
import { resolveViewer } from '../access/resolve-viewer.js'
import type { DealCard } from '../app/pulse-services.js'
import type { SlackClient, SlackContext } from '../app/slack-context.js'
import { userFacingError } from '../app/user-facing-error.js'
import { type Block, context } from '../blocks/block-kit.js'
import { answerClick, type ClickAnswer } from './answer-click.js'

/** What a person sees after clicking a button on the DM of a deal since deleted in the CRM. */
export const DEAL_DELETED = 'This deal has been deleted in the CRM since this message was sent, so there is nothing to do here.'

/** What the owner a stalled-deal DM went to sees after clicking its button once the deal has gone to another owner. */
export const DEAL_HANDED_OVER = 'This deal has gone to another owner since this message was sent, so there is nothing to do here.'

/**
 * For a button on a deal's DM: the deal id from the button, checked through the one access
 * check for the person who clicked, and the deal's outcome now (the DM may be days old). Returns
 * the refusal text instead when they may not act on it; `gone` when the deal has since been
 * deleted (archived) in the CRM and they may see it (its owner, say), or handed to another owner
 * when they were DMed about it as its owner (a stall episode names them), so the buttons can go:
 * also when they may still see it (a manager who handed it to a rep on their team), since the
 * buttons only ever sit in the DM to an owner, and would otherwise quiet the new owner's alerts.
 * Anyone else outside the deal's scope gets the same refusal whether or not the deal exists.
 */
export async function dealForAction(
  ctx: SlackContext,
  client: SlackClient,
  body: BlockAction,
  action: ButtonAction,
): Promise<
  | { ok: true; dealId: string; ownerId: string; ownerEmail: string | null; outcome: DealCard['outcome'] }
  | { ok: false; message: string; gone?: true }
> {
  // Slack sends a button's value as text; a number from a hand-made payload is read as its text.
  const dealId = action.value === undefined || action.value === null ? '' : String(action.value)
  const viewer = await resolveViewer(ctx, client, body.user.id)
  const [found] = await ctx.services.findDeals(ctx.store.db, dealId, ctx.clock.asOf(), 1)
  const deal = found && found.dealId === dealId ? found : undefined
  // A deal deleted in the CRM is checked against its last owner: its owner hears it is gone, not that it is not theirs.
  const archivedOwner = deal || dealId === '' ? null : await findArchivedDealOwner(ctx.store.db, dealId)
  const decision = authorize(viewer, { kind: 'deal', ownerId: deal?.ownerId ?? archivedOwner ?? '' })
  if (!decision.allowed) {
    // The owner a DM about the deal went to knows the deal: tell them it moved on, rather than that they cannot see it.
    const wasTheirs =
      (deal || archivedOwner !== null) && viewer.email !== null && (await wasStallOwnerOfDeal(ctx.store.db, dealId, viewer.email))
    return wasTheirs ? { ok: false, message: DEAL_HANDED_OVER, gone: true } : { ok: false, message: decision.message }
  }
  if (archivedOwner !== null) return { ok: false, message: DEAL_DELETED, gone: true }
  if (!deal) return { ok: false, message: 'That deal is no longer in Sales Pulse.' }
  // The owner's email now, as the DMs find it (the deal's own, else its owner's on record).
  const ownerEmail = deal.outcome === 'open' ? ((await findOpenDealOwners(ctx.store.db, [dealId])).get(dealId)?.ownerEmail ?? null) : null
  if (deal.outcome === 'open' && (await handedOverFrom(ctx, dealId, viewer.email, ownerEmail)))
    return { ok: false, message: DEAL_HANDED_OVER, gone: true }
  return { ok: true, dealId, ownerId: deal.ownerId, ownerEmail, outcome: deal.outcome }
}

/**
 * Whether `email` was DMed about open deal `dealId` as its owner (a stall episode names them) and
 * the deal's owner now (`ownerEmailNow`, lower-case: the email its DMs go to) is someone else.
 */
async function handedOverFrom(ctx: SlackContext, dealId: string, email: string | null, ownerEmailNow: string | null): Promise<boolean> {
  if (email === null || ownerEmailNow === email.trim().toLowerCase()) return false
  return wasStallOwnerOfDeal(ctx.store.db, dealId, email)
}

/** The clicked message's blocks without its buttons, plus a closing note. */
export function withoutButtons(body: BlockAction, note: Block): Block[] {
  const blocks = ((body.message?.blocks ?? []) as Block[]).filter((b) => b.type !== 'actions')
  return [...blocks, note]
}

/** What a deal button did: the message's new text and the note that replaces its buttons (mrkdwn). */
export interface DealButtonOutcome {
  text: string
  note: string
}

/**
 * A Bolt listener for a button on a deal's DM: acknowledges at once, runs the access check,
 * answers a refusal privately, replaces the buttons with a note when the deal has closed or been
 * deleted in the CRM since,
 * else runs `act` (with the deal's owner now: id and email) and replaces the buttons with its note; a failure
 * is logged as `what failed` and answered privately in plain words. The answer goes through the
 * click's response URL, or the Web API when Slack refuses that ({@link answerClick}).
 */
export function dealButtonListener(
  ctx: SlackContext,
  what: string,
  act: (dealId: string, body: BlockAction, owner: { id: string; email: string | null }) => Promise<DealButtonOutcome>,
) {
  return async ({ ack, body, action, client, respond }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack()
    let answer: ClickAnswer
    try {
      const target = await dealForAction(ctx, client, body, action as ButtonAction)
      if (!target.ok && target.gone) {
        answer = { replace: true, text: target.message, blocks: withoutButtons(body, context(`:information_source: ${target.message}`)) }
      } else if (!target.ok) {
        answer = { replace: false, text: target.message }
      } else if (target.outcome !== 'open') {
        // A deal won or lost since the DM was sent has no stall to snooze or end: say so, and take the buttons away.
        const text = `This deal has closed (${target.outcome}) since this message was sent, so there is nothing to do here.`
        answer = { replace: true, text, blocks: withoutButtons(body, context(`:information_source: ${text}`)) }
      } else {
        const outcome = await act(target.dealId, body, { id: target.ownerId, email: target.ownerEmail })
        answer = { replace: true, text: outcome.text, blocks: withoutButtons(body, context(outcome.note)) }
      }
    } catch (error) {
      ctx.logger.error({ err: error }, `${what} failed`)
      answer = { replace: false, text: userFacingError(error) }
    }
    await answerClick(ctx.logger, client, body, respond, answer)
  }
}
