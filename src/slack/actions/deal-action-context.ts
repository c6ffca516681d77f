import type { BlockAction, ButtonAction } from '@slack/bolt'
import { authorize } from '../access/authorize.js'
import { resolveViewer } from '../access/resolve-viewer.js'
import type { SlackClient, SlackContext } from '../app/slack-context.js'
import type { Block } from '../blocks/block-kit.js'

/**
 * For a button on a deal's DM: the deal id from the button, checked through the one access
 * check for the person who clicked. Returns the refusal text instead when they may not act on it.
 */
export async function dealForAction(
  ctx: SlackContext,
  client: SlackClient,
  body: BlockAction,
  action: ButtonAction,
): Promise<{ ok: true; dealId: string } | { ok: false; message: string }> {
  const dealId = action.value ?? ''
  const viewer = await resolveViewer(ctx, client, body.user.id)
  const [deal] = await ctx.services.findDeals(ctx.store.db, dealId, ctx.clock.asOf(), 1)
  const decision = authorize(viewer, { kind: 'deal', ownerId: deal && deal.dealId === dealId ? deal.ownerId : '' })
  if (!decision.allowed || !deal || deal.dealId !== dealId)
    return { ok: false, message: decision.allowed ? 'That deal is no longer in Sales Pulse.' : decision.message }
  return { ok: true, dealId }
}

/** The clicked message's blocks without its buttons, plus a closing note. */
export function withoutButtons(body: BlockAction, note: Block): Block[] {
  const blocks = ((body.message?.blocks ?? []) as Block[]).filter((b) => b.type !== 'actions')
  return [...blocks, note]
}
