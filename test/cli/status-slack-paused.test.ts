import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { openStore } from '../../src/db/open-store.js'
import { recordSlackTokenRefusal } from '../../src/db/slack-token-refusals.js'
import { botTokenHash } from '../../src/slack/app/bot-token-refusal.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

const TOKEN = 'xoxb-status-test-token'
const saved = { bot: process.env.SLACK_BOT_TOKEN, secret: process.env.SLACK_SIGNING_SECRET }

describe('pulse status while Slack refuses the bot token', () => {
  const db = join(tempDir(), 'p.db')
  beforeAll(async () => {
    process.env.SLACK_BOT_TOKEN = TOKEN
    process.env.SLACK_SIGNING_SECRET = 'status-test-secret'
    const csv = [
      'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome',
      'D1,2025-01-01,2025-02-01,rep_1,SaaS,EMEA,Core,Inbound,Demo,5000,Lost',
    ].join('\n')
    expect((await runCli('ingest', '--csv', writeTempFile('s.csv', csv), '--db', db)).code).toBe(0)
  })
  afterAll(() => {
    for (const [name, value] of [
      ['SLACK_BOT_TOKEN', saved.bot],
      ['SLACK_SIGNING_SECRET', saved.secret],
    ] as const) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })

  it('shows one line "Slack sending paused since ...: reason" and slackPaused in --json, only for the token configured now', async () => {
    const before = await runCli('status', '--db', db, '--json')
    expect(before.code, before.stderr).toBe(0)
    expect(JSON.parse(before.stdout).slackPaused).toBeNull()
    expect((await runCli('status', '--db', db)).stdout).not.toContain('Slack sending paused')

    const store = await openStore({ path: db })
    try {
      // A refusal of an older token does not pause the one configured now.
      await recordSlackTokenRefusal(store.db, { tokenHash: 'f'.repeat(64), reason: 'token_revoked', at: new Date('2026-01-01T00:00:00Z') })
      expect(JSON.parse((await runCli('status', '--db', db, '--json')).stdout).slackPaused).toBeNull()
      const hash = botTokenHash({ slack: { ...loadConfig().slack, botToken: TOKEN } })
      await recordSlackTokenRefusal(store.db, { tokenHash: hash, reason: 'app_uninstalled', at: new Date('2026-11-20T08:15:30Z') })
    } finally {
      await store.close()
    }
    const text = await runCli('status', '--db', db)
    expect(text.code, text.stderr).toBe(0)
    const lines = text.stdout.split('\n').filter((l) => l.startsWith('Slack sending paused'))
    expect(lines).toEqual([
      expect.stringMatching(
        /^Slack sending paused since 2026-11-20 08:15 UTC: Slack no longer accepts SLACK_BOT_TOKEN \(the app was uninstalled from the workspace\)\. Reinstall the app/,
      ),
    ])
    expect(text.stdout).not.toContain(TOKEN)
    const json = JSON.parse((await runCli('status', '--db', db, '--json')).stdout)
    expect(json.slackPaused).toEqual({
      reason: 'app_uninstalled',
      since: '2026-11-20T08:15:30.000Z',
      checkedAt: '2026-11-20T08:15:30.000Z',
    })
  })
})
