import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { isEntryScript } from '../../src/cli/is-entry-script.js'
import { tempDir } from '../helpers/test-store.js'

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

/** `node src/cli/main.ts ARGS` (through tsx), as `node dist/src/cli/main.js ARGS` runs the build. */
function runMainModule(...args: string[]) {
  return spawnSync(process.execPath, ['--import', TSX, MAIN, ...args], { encoding: 'utf8', cwd: tempDir() })
}

describe('the CLI module run as a script', () => {
  it('runs the command it is given, as pulse does, instead of exiting 0 having done nothing', () => {
    const version = runMainModule('--version')
    expect(version.status, version.stderr).toBe(0)
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)

    const db = join(tempDir(), 'missing.db')
    const report = runMainModule('report', 'winrate', '--db', db, '--json')
    expect(report.status).toBe(1)
    expect(report.stdout).toBe('')
    expect(report.stderr).toContain(`There is no Sales Pulse database at ${db}.`)
  })

  it('is told apart from the same module imported by bin/pulse.js, a test or node -e', () => {
    const url = pathToFileURL(MAIN).href
    expect(isEntryScript(url, MAIN)).toBe(true)
    expect(isEntryScript(url, fileURLToPath(new URL('../../bin/pulse.js', import.meta.url)))).toBe(false)
    expect(isEntryScript(url, undefined)).toBe(false)
    expect(isEntryScript(url, join(tempDir(), 'no-such-script.js'))).toBe(false)
  })
})
