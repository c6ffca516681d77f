import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/db/open-store.js'
import { findStageOrder, saveStageOrder, stagesFromNames } from '../../src/db/save-stage-order.js'
import { describeEachDialect, dropTestSchema, durableStoreOptions } from '../helpers/each-dialect.js'
import { tempDir } from '../helpers/test-store.js'

const opened: Store[] = []
afterEach(async () => {
  for (const store of opened.splice(0).reverse()) await store.close()
})

describeEachDialect('saveStageOrder', (dialect) => {
  it('replaces the stored order, and a configured order gives way to one a CRM saved', async () => {
    const store = await dialect.open()
    opened.push(store)
    await saveStageOrder(store.db, stagesFromNames(['Qualified', 'Demo', 'Closed']), 'config')
    await saveStageOrder(store.db, stagesFromNames(['Lead', 'Closed Won', 'Closed Lost']), 'hubspot')
    await saveStageOrder(store.db, stagesFromNames(['Qualified', 'Closed']), 'config')
    expect((await findStageOrder(store.db)).map((s) => s.name)).toEqual(['Lead', 'Closed Won', 'Closed Lost'])
  })

  // Several instances share a database on PostgreSQL only; two imports, or an import and a sync,
  // each save the order as they commit.
  it.runIf(dialect.name === 'postgres')(
    'saves from two connections at once without a duplicate stage, leaving one of the orders whole',
    async () => {
      const where = durableStoreOptions(dialect, join(tempDir(), 'pulse.db'))
      const first = await openStore(where)
      const second = await openStore(where)
      opened.push(first, second)
      const a = stagesFromNames(['Qualified', 'Demo', 'Proposal', 'Closed'])
      const b = stagesFromNames(['Qualified', 'Demo', 'Negotiation', 'Closed'])
      for (let round = 0; round < 10; round++) {
        const results = await Promise.allSettled(
          Array.from({ length: 6 }, (_, i) => saveStageOrder((i % 2 === 0 ? first : second).db, i % 3 === 0 ? a : b, 'config')),
        )
        expect(results.filter((r) => r.status === 'rejected')).toEqual([])
        const names = (await findStageOrder(first.db)).map((s) => s.name)
        expect([a.map((s) => s.name), b.map((s) => s.name)]).toContainEqual(names)
      }
      if (where.schema) await dropTestSchema(first.db, where.schema)
    },
  )
})
