import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseRoster } from '../../src/slack/access/load-roster.js'

// docs/slack.md is where `pulse serve` sends someone without a roster: its example must be one.
describe('the roster example in docs/slack.md', () => {
  const text = readFileSync(new URL('../../docs/slack.md', import.meta.url), 'utf8')
  const examples = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '')

  it('is a roster naming an executive, an admin, a manager with a team and a manager over that one', () => {
    expect(examples).toHaveLength(1)
    const roster = parseRoster(examples[0] ?? '')
    expect(roster.executives.size).toBe(1)
    expect(roster.admins.size).toBe(1)
    expect([...roster.managers.values()].map((team) => team.size)).toEqual([2, 4])
    expect(roster.managers.get('sales-director@acme.com')?.has('ana@acme.com')).toBe(true)
  })
})
