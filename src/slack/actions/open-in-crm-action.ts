import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt'

/** The action id of the "Open in CRM" link button. */
export const OPEN_IN_CRM_ACTION_ID = 'pulse_open_in_crm'

/** "Open in CRM" is a link; Slack still sends the click, which only needs an ack. */
export async function openInCrmAction({ ack }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> {
  await ack()
}
