import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { spawnPulse } from '../helpers/pulse-process.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

describe('pulse with a .env it cannot read', () => {
  let saved: string
  beforeEach(() => {
    saved = process.cwd()
    process.chdir(tempDir())
  })
  afterEach(() => process.chdir(saved))

  it('stops with one sentence naming a .env that is a folder (a Docker bind mount of a missing file)', async () => {
    mkdirSync('.env')
    const run = await runCli('report', 'winrate', '--db', join(tempDir(), 'pulse.db'))
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(
      '.env is a folder, not a settings file: remove it (or mount a .env file there), or set the variables in the environment.\n',
    )
  })

  it('stops naming a .env saved as UTF-16, whose settings would otherwise all be ignored', async () => {
    writeFileSync('.env', Buffer.from('\ufeffPULSE_IDLE_DAYS=7\r\n', 'utf16le'))
    const run = await runCli('report', 'stalled', '--db', join(tempDir(), 'pulse.db'))
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe('.env is not UTF-8 text (saved as UTF-16?), so none of its settings can be read: save it as UTF-8.\n')
  })

  it('says which .env lines set nothing, without repeating them, and goes on with the rest', async () => {
    const folder = tempDir()
    writeFileSync(join(folder, '.env'), 'PULSE_IDLE_DAYS 7\nSLACK_BOT_TOKEN xoxb-1-s3cret\nPULSE_STALE_DAYS=40\n')
    const run = spawnPulse(['report', 'stalled', '--db', join(tempDir(), 'pulse.db')], {}, { cwd: folder })
    await run.exited
    expect(run.stderr).toContain(
      '.env lines 1, 2 set nothing and are ignored: write each setting as NAME=value (a comment starts with #).\n',
    )
    expect(run.output).not.toContain('s3cret')
  }, 30_000)
})
