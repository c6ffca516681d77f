import type { App } from '@slack/bolt'
import type { SlackContext } from '../app/slack-context.js'
import { SHARE_ACTION_ID } from '../commands/answer-command.js'
import { OPEN_IN_CRM_ACTION_ID, openInCrmAction } from './open-in-crm-action.js'
import { shareInChannelListener } from './share-in-channel-action.js'
import { SNOOZE_ACTION_ID, snoozeDealListener } from './snooze-deal-action.js'
import { otherThan, unknownActionListener } from './unknown-action.js'
import { UPDATED_ACTION_ID, updatedInCrmListener } from './updated-in-crm-action.js'

/** Registers the button listeners: share, snooze, updated in CRM, open in CRM, and a fallback for any other button. */
export function register(app: App, ctx: SlackContext): void {
  app.action({ type: 'block_actions', action_id: SHARE_ACTION_ID }, shareInChannelListener(ctx))
  app.action({ type: 'block_actions', action_id: SNOOZE_ACTION_ID }, snoozeDealListener(ctx))
  app.action({ type: 'block_actions', action_id: UPDATED_ACTION_ID }, updatedInCrmListener(ctx))
  app.action({ type: 'block_actions', action_id: OPEN_IN_CRM_ACTION_ID }, openInCrmAction)
  const known = [SHARE_ACTION_ID, SNOOZE_ACTION_ID, UPDATED_ACTION_ID, OPEN_IN_CRM_ACTION_ID]
  app.action({ type: 'block_actions', action_id: otherThan(known) }, unknownActionListener(ctx.logger))
}
