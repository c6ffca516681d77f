import { afterEach, expect, it } from 'vitest'
import { insertModel } from '../../src/db/insert-model.js'
import type { Store } from '../../src/db/open-store.js'
import { saveDealScores } from '../../src/db/save-deal-scores.js'
import { describeEachDialect } from '../helpers/each-dialect.js'
import { placeholderModel } from '../helpers/placeholder-model.js'

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

const AT = '2025-03-01T09:00:00.000Z'

function newModel(s: Store): Promise<number> {
  return insertModel(s.db, placeholderModel({ trained_at: AT }))
}

function scoresOf(modelId: number, deals: number) {
  return Array.from({ length: deals }, (_, i) => ({
    model_id: modelId,
    deal_id: `D${String(i).padStart(5, '0')}`,
    as_of: '2025-03-01',
    scored_at: AT,
    win_probability: 0.5,
    health_score: 50,
    basis: 'model',
    reasons: '[]',
  }))
}

describeEachDialect('saveDealScores pruning', (dialect) => {
  it('removes a backlog of older models’ scores larger than one chunk, keeping the two newest models’', async () => {
    store = await dialect.open()
    const s = store
    const ids: number[] = []
    for (let m = 0; m < 4; m++) ids.push(await newModel(s))
    // A store from before pruning: every model kept its scores (one kept two sets).
    for (const id of ids.slice(0, 3)) await s.db.insertInto('deal_scores').values(scoresOf(id, 250)).execute()
    await s.db
      .insertInto('deal_scores')
      .values(scoresOf(ids[0] as number, 250).map((r) => ({ ...r, deal_id: `X${r.deal_id}` })))
      .execute()
    const before = await s.db
      .selectFrom('deal_scores')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(before.n)).toBe(1000)

    // 750 rows of the two oldest models to go, 100 per statement.
    await saveDealScores(s, scoresOf(ids[3] as number, 250), { pruneChunk: 100 })
    const rows = await s.db
      .selectFrom('deal_scores')
      .select(['model_id', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('model_id')
      .orderBy('model_id')
      .execute()
    expect(rows.map((r) => [r.model_id, Number(r.n)])).toEqual([
      [ids[2], 250],
      [ids[3], 250],
    ])
  })
})
