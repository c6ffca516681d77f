import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir, writeTempFile } from '../helpers/test-store.js'

describe('pulse demo', () => {
  it.each([
    [['--deals', 'abc'], '--deals "abc" is not a whole number of at least 500'],
    [['--deals', '10'], '--deals "10" is not a whole number of at least 500'],
    [['--as-of', '2024-02-30'], '--as-of "2024-02-30" is not a date'],
    [['--out', writeTempFile('f.txt', 'x')], 'is a file, not a folder'],
  ])('refuses %j in plain words before creating its database', async (args, message) => {
    const db = join(tempDir(), 'demo.db')
    const run = await runCli('demo', '--db', db, '--out', join(tempDir(), 'out'), ...args)
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(message)
    expect(run.stderr).not.toContain('went wrong on our side')
    expect(existsSync(db)).toBe(false)
  })
})
