import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/log/create-logger.js'
import { guardWorkspace } from '../../src/slack/app/guard-workspace.js'

/** Runs the middleware on one slash-command body and returns what it logged and whether it went on. */
async function guard(body: Record<string, unknown>, mode: 'log' | 'refuse') {
  const lines: Array<{ msg: string; team?: string }> = []
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l))
      done()
    },
  })
  let went = false
  const acks: unknown[] = []
  const middleware = guardWorkspace(() => ({ teamId: 'T0001', enterpriseId: undefined }), createLogger('info', sink), mode)
  await (middleware as (args: unknown) => Promise<void>)({
    body,
    context: { userId: 'U1' },
    next: async () => {
      went = true
    },
    ack: async (a?: unknown) => {
      acks.push(a)
    },
  })
  await new Promise((r) => setImmediate(r))
  return { lines, went, acks }
}

const command = { command: '/pulse', text: 'winrate', user_id: 'U1', channel_id: 'C1' }

describe('the workspace guard', () => {
  it('lets its own workspace through without a warning', async () => {
    const own = await guard({ ...command, team_id: 'T0001' }, 'log')
    expect(own.went).toBe(true)
    expect(own.lines).toEqual([])
  })

  it('names another workspace as such, and a request naming none as naming none', async () => {
    const other = await guard({ ...command, team_id: 'T0002' }, 'log')
    expect(other.went).toBe(true)
    expect(other.lines.map((l) => l.msg)).toEqual([
      "Slack request from another workspace than the bot token's: served under the usual access rules (set PULSE_SLACK_OTHER_WORKSPACES=refuse to refuse such requests)",
    ])
    const none = await guard(command, 'log')
    expect(none.went).toBe(true)
    expect(none.lines.map((l) => l.msg)).toEqual([
      'Slack request naming no workspace (no team_id): served under the usual access rules (set PULSE_SLACK_OTHER_WORKSPACES=refuse to refuse such requests)',
    ])
    const refused = await guard(command, 'refuse')
    expect(refused.went).toBe(false)
    expect(refused.lines[0]?.msg).toMatch(/^Slack request naming no workspace \(no team_id\) refused: /)
    expect(refused.acks).toHaveLength(1)
  })
})
