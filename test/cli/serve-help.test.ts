import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SlackFake } from '../fakes/slack-fake.js'
import { spawnPulse } from '../helpers/pulse-process.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

describe('pulse serve --help', () => {
  it('says the bot token is needed in Socket Mode too, not only the app token', async () => {
    const run = await runCli('serve', '--help')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Needs SLACK_BOT_TOKEN, with SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode).')
    expect(run.stdout).toContain('HTTP mode answers POST /slack/events on PORT (default 3000).')
  })
})

describe('pulse serve without its Slack settings', () => {
  const unset = { SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '', SLACK_APP_TOKEN: '', PULSE_DATABASE_URL: '' }

  it('names Socket Mode as the other way when the signing secret is missing, and creates no database', async () => {
    const db = join(tempDir(), 'pulse.db')
    const serve = spawnPulse(['serve', '--db', db], { ...unset, SLACK_BOT_TOKEN: 'xoxb-1' }, { cwd: tempDir() })
    expect(await serve.exited).toBe(1)
    expect(serve.stderr).toContain(
      'The Slack app needs SLACK_SIGNING_SECRET (for HTTP mode; for Socket Mode, which needs no public URL, set SLACK_APP_TOKEN instead of SLACK_SIGNING_SECRET).',
    )
    expect(existsSync(db)).toBe(false)
  }, 30_000)

  it('asks only for the bot token in Socket Mode, and creates no database', async () => {
    const db = join(tempDir(), 'pulse.db')
    const serve = spawnPulse(['serve', '--db', db], { ...unset, SLACK_APP_TOKEN: 'xapp-1' }, { cwd: tempDir() })
    expect(await serve.exited).toBe(1)
    expect(serve.stderr).toContain('The Slack app (Socket Mode, as SLACK_APP_TOKEN is set) needs SLACK_BOT_TOKEN.')
    expect(existsSync(db)).toBe(false)
  }, 30_000)

  it('refuses a Slack token with a line break or space inside before any request, never printing a part of it', async () => {
    const fake = await new SlackFake({ appToken: 'xapp-1-A0001-sec' }).start()
    try {
      for (const [name, env] of [
        ['SLACK_BOT_TOKEN', { SLACK_BOT_TOKEN: `${fake.token.slice(0, 5)}\n${fake.token.slice(5)}`, SLACK_SIGNING_SECRET: 's' }],
        ['SLACK_BOT_TOKEN', { SLACK_BOT_TOKEN: `Bearer ${fake.token}`, SLACK_SIGNING_SECRET: 's' }],
        ['SLACK_APP_TOKEN', { SLACK_BOT_TOKEN: fake.token, SLACK_APP_TOKEN: 'xapp-1-A0001\r\n-sec' }],
        ['SLACK_BOT_TOKEN', { SLACK_BOT_TOKEN: `\u201c${fake.token}\u201d`, SLACK_SIGNING_SECRET: 's' }],
      ] as const) {
        const db = join(tempDir(), 'pulse.db')
        const serve = spawnPulse(['serve', '--db', db], { ...unset, SLACK_API_URL: fake.apiUrl, ...env }, { cwd: tempDir() })
        expect(await serve.exited).toBe(1)
        expect(serve.stderr).toContain(
          `${name} has a space, a line break, a control character or a character outside ASCII (a curly quote?) in it, which no Slack token has.`,
        )
        expect(serve.output).not.toContain(name === 'SLACK_APP_TOKEN' ? '-sec' : fake.token.slice(5))
        expect(existsSync(db)).toBe(false)
      }
      expect(fake.calls).toHaveLength(0)
    } finally {
      await fake.stop()
    }
  }, 60_000)
})
