import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const BIN = fileURLToPath(new URL('../../bin/pulse.js', import.meta.url))

/** `pulse --version` run by this Node.js made to report `version` as its own. */
function pulseOn(version: string) {
  const pretend = `data:text/javascript,Object.defineProperty(process.versions,"node",{value:${JSON.stringify(version)}})`
  return spawnSync(process.execPath, ['--import', pretend, BIN, '--version'], { encoding: 'utf8' })
}

describe('bin/pulse.js on an older Node.js', () => {
  it.each(['18.19.0', '20.11.1', '20.18.3'])('refuses Node.js %s, naming the version needed and the one running', (version) => {
    const run = pulseOn(version)
    expect(run.status).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain(`Sales Pulse needs Node.js 20.19 or newer; this is Node.js ${version}.`)
  })

  it.each(['20.19.0', '22.12.0', '24.1.0'])('runs on Node.js %s', (version) => {
    expect(pulseOn(version).stderr).not.toContain('needs Node.js')
  })
})
