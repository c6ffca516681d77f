import { AppError } from '../../errors.js'
import type { SlackClient } from './slack-context.js'

const dmChannels = new Map<string, string>()

/**
 * The DM channel id between the app and `userId` (`conversations.open`), remembered for the
 * life of the process (the id of a DM never changes).
 *
 * @throws the Web API error, or AppError `slack_error` when Slack returns no channel.
 */
export async function openDm(client: SlackClient, userId: string): Promise<string> {
  const known = dmChannels.get(userId)
  if (known) return known
  const res = await client.conversations.open({ users: userId })
  const id = res.channel?.id
  if (!id) throw new AppError('slack_error', 'Slack did not open a DM channel.')
  dmChannels.set(userId, id)
  return id
}

/** Forgets remembered DM channels (tests). */
export function clearDmMemory(): void {
  dmChannels.clear()
}
