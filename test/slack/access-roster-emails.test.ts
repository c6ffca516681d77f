import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../src/db/open-store.js'
import { authorize } from '../../src/slack/access/authorize.js'
import { parseRoster } from '../../src/slack/access/load-roster.js'
import { viewerForEmail } from '../../src/slack/access/resolve-viewer.js'
import { openTestStore } from '../helpers/test-store.js'

const ROSTER = `
executives: ["  CRO@Acme.com "]
admins: [RevOps@ACME.com]
managers:
  - email: " Lead@Acme.com"
    team: [Ana@Acme.com]
  - email: lead@acme.com
    team: ["ben@acme.com  "]
  - email: cro@acme.com
    team: [ana@acme.com]
`

describe('roster emails: case-insensitive and trimmed, wherever they come from', () => {
  let store: Store
  beforeAll(async () => {
    store = await openTestStore()
    const now = new Date().toISOString()
    await store.db
      .insertInto('owners')
      .values([
        { owner_id: 'rep-ana', email: 'ANA@acme.com', name: null, source: 'csv', updated_at: now },
        { owner_id: 'rep-ben', email: 'Ben@Acme.com', name: null, source: 'csv', updated_at: now },
        { owner_id: 'rep-lead', email: 'lead@acme.com', name: null, source: 'csv', updated_at: now },
        { owner_id: 'rep-cara', email: 'cara@acme.com', name: null, source: 'csv', updated_at: now },
      ])
      .execute()
  })
  afterAll(async () => {
    await store.close()
  })

  const viewer = (email: string | null) => viewerForEmail({ store, roster: parseRoster(ROSTER) }, 'U1', email)

  it('finds roster people whatever the case or spaces of the email asked about', async () => {
    expect((await viewer('  Cro@ACME.com\t')).role).toBe('executive')
    expect((await viewer(' REVOPS@acme.com ')).admin).toBe(true)
    const lead = await viewer('LEAD@ACME.COM ')
    expect(lead.role).toBe('manager')
    expect(lead.email).toBe('lead@acme.com')
  })

  it('merges a manager listed twice, counts their own deals, and lets an executive listing win', async () => {
    const lead = await viewer('lead@acme.com')
    expect(lead.ownerIds).toEqual(['rep-ana', 'rep-ben', 'rep-lead'])
    expect(authorize(lead, { kind: 'deal', ownerId: 'rep-cara' }).allowed).toBe(false)
    expect(authorize(lead, { kind: 'reports', ownerIds: ['rep-cara'] }).allowed).toBe(false)
    const cro = await viewer('cro@acme.com')
    expect(cro.role).toBe('executive')
    expect(cro.ownerIds).toBeNull()
  })

  it('gives an owner only their deals, and nobody without an email anything', async () => {
    const ana = await viewer('Ana@acme.com ')
    expect(ana).toMatchObject({ role: 'owner', ownerIds: ['rep-ana'] })
    expect(authorize(ana, { kind: 'deal', ownerId: 'rep-ben' }).allowed).toBe(false)
    const none = await viewer(null)
    expect(authorize(none, { kind: 'home' }).allowed).toBe(false)
    expect(authorize(none, { kind: 'reports' }).allowed).toBe(false)
    expect((await viewer('   ')).role).toBe('none')
  })
})
