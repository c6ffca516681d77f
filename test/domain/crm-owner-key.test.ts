import { describe, expect, it } from 'vitest'
import { crmOwnerKey, displacedCrmOwners, type HeldOwner } from '../../src/domain/crm-owner-key.js'

const holding = (owners: Record<string, HeldOwner>) => (key: string) => owners[key]

describe('crmOwnerKey', () => {
  it("keeps a CRM owner apart from another source's owner of the same id with another email, or when the CRM gives none", () => {
    const csvZed = holding({ '42': { source: 'csv', email: 'zed@y.com' } })
    expect(crmOwnerKey('hubspot', '42', 'ana@x.com', csvZed)).toBe('hubspot:42')
    expect(crmOwnerKey('hubspot', '42', null, csvZed)).toBe('hubspot:42')
    expect(crmOwnerKey('salesforce', '42', 'ana@x.com', holding({ '42': { source: 'hubspot', email: 'bo@x.com' } }))).toBe('salesforce:42')
  })

  it('keeps one id for the same person (email in any case), an owner held without an email, its own source and a new id', () => {
    expect(crmOwnerKey('hubspot', '42', 'Ana@X.com', holding({ '42': { source: 'csv', email: 'ana@x.com' } }))).toBe('42')
    expect(crmOwnerKey('hubspot', '42', 'ana@x.com', holding({ '42': { source: 'csv', email: null } }))).toBe('42')
    expect(crmOwnerKey('hubspot', '42', 'new@x.com', holding({ '42': { source: 'hubspot', email: 'old@x.com' } }))).toBe('42')
    expect(crmOwnerKey('hubspot', '42', 'ana@x.com', holding({}))).toBe('42')
    // Owners stored before sources were recorded belong to any source, as before.
    expect(crmOwnerKey('hubspot', '42', 'ana@x.com', holding({ '42': { source: 'deals', email: 'zed@y.com' } }))).toBe('42')
  })

  it('keeps an owner once kept apart there, whatever holds the plain id now', () => {
    const apart = { 'hubspot:42': { source: 'hubspot', email: 'ana@x.com' } }
    expect(crmOwnerKey('hubspot', '42', 'ana@x.com', holding(apart))).toBe('hubspot:42')
    expect(crmOwnerKey('hubspot', '42', 'ana@x.com', holding({ ...apart, '42': { source: 'csv', email: 'ana@x.com' } }))).toBe('hubspot:42')
  })
})

describe('displacedCrmOwners', () => {
  const held = new Map<string, HeldOwner>([
    ['42', { source: 'hubspot', email: 'ana@x.com' }],
    ['7', { source: 'salesforce', email: null }],
    ['9', { source: 'csv', email: 'old@y.com' }],
    ['5', { source: 'deals', email: 'old@y.com' }],
  ])

  it('moves a CRM owner whose id the file gives another email (or one the CRM did not have) to <crm>:<id>', () => {
    expect(
      displacedCrmOwners(
        [
          ['42', 'zed@y.com'],
          ['7', 'kim@y.com'],
        ],
        held,
      ),
    ).toEqual([
      { id: '42', source: 'hubspot', key: 'hubspot:42' },
      { id: '7', source: 'salesforce', key: 'salesforce:7' },
    ])
  })

  it("leaves the same person, a row without an email, the CSV's own owners, unknown ids and legacy owners", () => {
    const given: Array<[string, string | null]> = [
      ['42', 'ANA@x.com'],
      ['42', null],
      ['9', 'new@y.com'],
      ['1', 'zed@y.com'],
      ['5', 'zed@y.com'],
    ]
    expect(displacedCrmOwners(given, held)).toEqual([])
  })
})
