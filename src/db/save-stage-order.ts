import type { Kysely } from 'kysely'
import type { StageDefinition } from '../domain/stages-from-names.js'
import { lockTableForWriters } from './dialect.js'
import type { Database } from './schema.js'

// The import still reads the stage-name rules from here.
export { isLostStageName, isWonStageName, stagesFromNames } from '../domain/stages-from-names.js'

/**
 * Replaces the stored stage order with `stages` (positions follow the array) for `source`.
 * A CRM's own pipeline order wins over the configured one: a `config` order does not replace
 * an order that a CRM source saved. Two saves at once (from two instances) take turns: the
 * stored order is one of them, whole.
 */
export async function saveStageOrder(db: Kysely<Database>, stages: readonly StageDefinition[], source: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    // Two instances saving at once (two imports, an import and a sync) take turns.
    await lockTableForWriters(tx, 'stages')
    if (source === 'config') {
      const fromCrm = await tx.selectFrom('stages').select('name').where('source', '!=', 'config').limit(1).executeTakeFirst()
      if (fromCrm) return
    }
    await tx.deleteFrom('stages').execute()
    if (stages.length === 0) return
    await tx
      .insertInto('stages')
      .values(stages.map((s, i) => ({ name: s.name, position: i, is_closed: s.isClosed ? 1 : 0, is_won: s.isWon ? 1 : 0, source })))
      .execute()
  })
}

/**
 * The stage order that {@link findStageOrder} returns once `saveStageOrder(db, stages, source)`
 * has run, without writing it: a `config` order gives way to one a CRM source saved.
 */
export async function stageOrderAfterSave(
  db: Kysely<Database>,
  stages: readonly StageDefinition[],
  source: string,
): Promise<StageDefinition[]> {
  if (source === 'config') {
    const fromCrm = await db.selectFrom('stages').select('name').where('source', '!=', 'config').limit(1).executeTakeFirst()
    if (fromCrm) return findStageOrder(db)
  }
  return [...stages]
}

/** The stored stage order (empty when none has been saved yet). */
export async function findStageOrder(db: Kysely<Database>): Promise<StageDefinition[]> {
  const rows = await db.selectFrom('stages').select(['name', 'is_closed', 'is_won']).orderBy('position').execute()
  return rows.map((r) => ({ name: r.name, isClosed: r.is_closed === 1, isWon: r.is_won === 1 }))
}
