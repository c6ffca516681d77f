import { describe, expect, it } from 'vitest'
import { describeRefusals, groupRefusals } from '../../src/slack/outbox/describe-refusals.js'
import { slackRefusalFix } from '../../src/slack/outbox/slack-refusal-fix.js'

describe('what pulse status, pulse alerts and the admins are told of messages Slack refused for good', () => {
  it('groups by reason, largest first, naming each deal once, at most five, and the digests', () => {
    const refused = [
      ...['D7', 'D1', 'D3', 'D2', 'D5', 'D6', 'D4', 'D1'].map((dealId) => ({ reason: 'user_disabled', kind: 'stall_dm', dealId })),
      { reason: 'user_disabled', kind: 'digest', dealId: null },
      { reason: 'cannot_dm_bot', kind: 'digest', dealId: null },
    ]
    const groups = groupRefusals(refused)
    expect(groups).toEqual([
      { reason: 'user_disabled', count: 9, dealIds: ['D1', 'D2', 'D3', 'D4', 'D5', 'D6', 'D7'], digests: 1, alerts: 0 },
      { reason: 'cannot_dm_bot', count: 1, dealIds: [], digests: 1, alerts: 0 },
    ])
    expect(describeRefusals(groups)).toEqual([
      `user_disabled, 9 messages (deals D1, D2, D3, D4, D5 and 2 more; a manager's digest): ${slackRefusalFix('user_disabled')}.`,
      `cannot_dm_bot, 1 message (a manager's digest): ${slackRefusalFix('cannot_dm_bot')}.`,
    ])
  })

  it("says what to do for Slack's usual refusals, and names an unknown code as Slack's without repeating anything else", () => {
    expect(slackRefusalFix('user_disabled')).toMatch(/deactivated: reactivate it in Slack/)
    // A DM takes no /invite (a channel alert that waits to be let in is told otherwise).
    expect(slackRefusalFix('not_in_channel')).toMatch(/^Slack would not let the app post in its direct messages with the recipient/)
    expect(slackRefusalFix('user_not_visible')).toMatch(/may not see or message that user/)
    expect(slackRefusalFix('some_new_code')).toMatch(/^Slack answers "some_new_code" for it, which will not change/)
    expect(slackRefusalFix('<!here> xoxb-123')).not.toMatch(/here|xoxb/)
  })
})
