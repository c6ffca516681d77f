import type { Kysely } from 'kysely'
import { expect, it } from 'vitest'
import * as leanDealIndexes from '../../migrations/0006-lean-deal-indexes.js'
import { findOwnerIdsByEmail } from '../../src/db/find-owner-ids-by-email.js'
import { insertDeals } from '../analytics/deal-fixtures.js'
import { describeEachDialect } from '../helpers/each-dialect.js'

describeEachDialect('migration 0006 (lean deal indexes)', (dialect) => {
  it('records the owners known only from their deals before dropping the email index, keeping stored emails', async () => {
    const store = await dialect.open()
    try {
      // The store as an older version left it: deals carry emails the owners table lacks.
      await leanDealIndexes.down(store.db as unknown as Kysely<unknown>)
      await insertDeals(store, [
        { deal_id: 'a', owner_id: 'rep_1', owner_email: 'ana@acme.example' },
        { deal_id: 'b', owner_id: 'rep_2', owner_email: 'ben@acme.example' },
        { deal_id: 'c', owner_id: 'rep_3', owner_email: null },
      ])
      await store.db
        .insertInto('owners')
        .values({ owner_id: 'rep_2', email: 'benjamin@acme.example', name: 'Ben', source: 'hubspot', updated_at: '2024-01-01T00:00:00Z' })
        .execute()
      expect(await findOwnerIdsByEmail(store.db, ['ana@acme.example'])).toEqual([])

      await leanDealIndexes.up(store.db as unknown as Kysely<unknown>)
      expect(await findOwnerIdsByEmail(store.db, ['ANA@acme.example'])).toEqual(['rep_1'])
      expect(await findOwnerIdsByEmail(store.db, ['benjamin@acme.example'])).toEqual(['rep_2'])
      expect(await findOwnerIdsByEmail(store.db, ['ben@acme.example'])).toEqual([])
      // An owner with no email anywhere gets no row.
      expect(await store.db.selectFrom('owners').select('owner_id').where('owner_id', '=', 'rep_3').execute()).toEqual([])
    } finally {
      await store.close()
    }
  })
})
