import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadHomeSnapshot } from '../../src/slack/home/home-snapshot.js'
import { AS_OF, type SlackTestApp, startSlackTestApp } from './slack-test-app.js'

describe('Home snapshot and roster edits', () => {
  let t: SlackTestApp
  beforeAll(async () => {
    t = await startSlackTestApp()
  })
  afterAll(async () => {
    await t.close()
  })

  it("recomputes a manager's team figures when the roster changes the team, and reuses them while it does not", async () => {
    const ctx = t.slack.ctx
    const manager = t.company.emails.manager
    const before = await loadHomeSnapshot(ctx, manager, AS_OF)
    expect(before.pipeline.count).toBeGreaterThan(0)
    expect(await loadHomeSnapshot(ctx, manager, AS_OF)).toEqual(before)
    const roster = ctx.roster
    const shrunk = { ...roster, managers: new Map([...roster.managers].map(([m, team]) => [m, m === manager ? new Set<string>() : team])) }
    const after = await loadHomeSnapshot({ ...ctx, roster: shrunk }, manager, AS_OF)
    expect(after.pipeline.count).toBeLessThan(before.pipeline.count)
  })
})
