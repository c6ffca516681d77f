import { unlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { AppError } from '../../src/errors.js'
import { watchRoster } from '../../src/slack/access/load-roster.js'
import { writeTempFile } from '../helpers/test-store.js'

/** Writes the file and moves its modification time on, so the change shows even within one clock tick. */
function rewrite(path: string, text: string, secondsLater: number): void {
  writeFileSync(path, text)
  const t = new Date(Date.now() + secondsLater * 1000)
  utimesSync(path, t, t)
}

describe('watchRoster', () => {
  it('re-reads an edited roster file, at most once per interval', () => {
    const path = writeTempFile('roster.yml', 'executives: [cro@acme.com]\n')
    let clock = 0
    const reloads: number[] = []
    const roster = watchRoster(path, { now: () => clock, minIntervalMs: 5000, onReload: () => reloads.push(clock) })
    expect([...roster().executives]).toEqual(['cro@acme.com'])
    rewrite(path, 'executives: [cro@acme.com, CFO@Acme.com]\nmanagers:\n  - email: lead@acme.com\n    team: [ana@acme.com]\n', 10)
    clock = 4000
    expect(roster().executives.size).toBe(1)
    clock = 5000
    expect([...roster().executives]).toEqual(['cro@acme.com', 'cfo@acme.com'])
    expect([...(roster().managers.get('lead@acme.com') ?? [])]).toEqual(['ana@acme.com'])
    expect(reloads).toEqual([5000])
  })

  it('keeps the last good roster when an edit is malformed or the file disappears, and says so once per change', () => {
    const path = writeTempFile('roster.yml', 'admins: [revops@acme.com]\n')
    let clock = 0
    const errors: string[] = []
    const roster = watchRoster(path, { now: () => clock, minIntervalMs: 1, onError: (e: AppError) => errors.push(e.message) })
    rewrite(path, 'admins: [revops@acme.com\n', 10)
    clock = 10
    expect([...roster().admins]).toEqual(['revops@acme.com'])
    clock = 20
    roster()
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/PULSE_ROSTER is not valid YAML/)
    unlinkSync(path)
    clock = 30
    expect([...roster().admins]).toEqual(['revops@acme.com'])
    expect(errors[1]).toMatch(/no longer exists/)
    rewrite(path, 'admins: [ops@acme.com]\n', 20)
    clock = 40
    expect([...roster().admins]).toEqual(['ops@acme.com'])
    expect(errors).toHaveLength(2)
  })

  it('keeps the last good roster while the file is empty (a save caught half-way), and takes the saved one', () => {
    const path = writeTempFile('roster.yml', 'executives: [cro@acme.com]\n')
    let clock = 0
    const errors: string[] = []
    const reloads: number[] = []
    const roster = watchRoster(path, {
      now: () => clock,
      minIntervalMs: 1,
      onError: (e: AppError) => errors.push(e.message),
      onReload: () => reloads.push(clock),
    })
    rewrite(path, '', 10)
    clock = 10
    expect([...roster().executives]).toEqual(['cro@acme.com'])
    expect(errors).toEqual([expect.stringContaining(`PULSE_ROSTER names an empty file: ${path}.`)])
    expect(reloads).toEqual([])
    rewrite(path, 'executives: [cro@acme.com, cfo@acme.com]\n', 20)
    clock = 20
    expect([...roster().executives]).toEqual(['cro@acme.com', 'cfo@acme.com'])
    expect(reloads).toEqual([20])
  })

  it('refuses an unusable roster at start, and never changes an inline one', () => {
    expect(() => watchRoster('executives: [not-an-email')).toThrow(/PULSE_ROSTER/)
    const inline = watchRoster('executives: [cro@acme.com]', { minIntervalMs: 0 })
    expect(inline()).toBe(inline())
    expect(watchRoster(undefined)().executives.size).toBe(0)
  })
})
