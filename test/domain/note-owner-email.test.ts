import { describe, expect, it } from 'vitest'
import { noteOwnerEmail, uniqueOwners } from '../../src/domain/note-owner-email.js'

describe('noteOwnerEmail', () => {
  it('keeps the last non-empty email of each owner, and null for one never given any', () => {
    const emails = new Map<string, string | null>()
    for (const [id, email] of [
      ['o1', 'ana@example.com'],
      ['o2', null],
      ['o1', null],
      ['o3', 'cy@example.com'],
      ['o3', 'cy.new@example.com'],
    ] as const)
      noteOwnerEmail(emails, id, email)
    expect([...emails]).toEqual([
      ['o1', 'ana@example.com'],
      ['o2', null],
      ['o3', 'cy.new@example.com'],
    ])
  })
})

describe('uniqueOwners', () => {
  it('lists each owner once, in first-listed order, with the last non-empty email and name', () => {
    expect(
      uniqueOwners([
        { ownerId: 'o1', email: 'ana@example.com', name: 'Ana' },
        { ownerId: 'o2', email: null, name: null },
        { ownerId: 'o1', email: null, name: 'Ana B.' },
        { ownerId: 'o2', email: 'ben@example.com', name: null },
      ]),
    ).toEqual([
      { ownerId: 'o1', email: 'ana@example.com', name: 'Ana B.' },
      { ownerId: 'o2', email: 'ben@example.com', name: null },
    ])
  })
})
