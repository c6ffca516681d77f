import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'

describe('pulse serve --help', () => {
  it('says the bot token is needed in Socket Mode too, not only the app token', async () => {
    const run = await runCli('serve', '--help')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Needs SLACK_BOT_TOKEN, with SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode).')
  })
})
