import type { Kysely } from 'kysely'
import type { StageDefinition } from '../domain/stages-from-names.js'
import { stagesInStoredSpelling } from '../domain/stages-in-stored-spelling.js'
import { lockTableForWriters } from './dialect.js'
import type { Database } from './schema.js'

// The import still reads the stage-name rules from here.
export { isLostStageName, isWonStageName, stagesFromNames } from '../domain/stages-from-names.js'

/**
 * Replaces the stored stage order with `stages` (positions follow the array) for `source`.
 * A CRM's own pipeline order wins over the configured one: a `config` order does not replace
 * an order that a CRM source saved, and keeps the stored spelling of a stage it names in another
 * case (`demo` for a stored `Demo`), the one the deals were imported in. Two saves at once (from
 * two instances) take turns: the stored order is one of them, whole.
 */
export async function saveStageOrder(db: Kysely<Database>, stages: readonly StageDefinition[], source: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    // Two instances saving at once (two imports, an import and a sync) take turns.
    await lockTableForWriters(tx, 'stages')
    let order = stages
    if (source === 'config') {
      const stored = await tx.selectFrom('stages').select(['name', 'source']).orderBy('position').execute()
      if (stored.some((s) => s.source !== 'config')) return
      order = stagesInStoredSpelling(
        stages,
        stored.map((s) => s.name),
      )
    }
    await tx.deleteFrom('stages').execute()
    if (order.length === 0) return
    await tx
      .insertInto('stages')
      .values(order.map((s, i) => ({ name: s.name, position: i, is_closed: s.isClosed ? 1 : 0, is_won: s.isWon ? 1 : 0, source })))
      .execute()
  })
}

/**
 * The stage order that {@link findStageOrder} returns once `saveStageOrder(db, stages, source)`
 * has run, without writing it: a `config` order gives way to one a CRM source saved, and takes
 * the stored spelling of a stage it names in another case.
 */
export async function stageOrderAfterSave(
  db: Kysely<Database>,
  stages: readonly StageDefinition[],
  source: string,
): Promise<StageDefinition[]> {
  if (source !== 'config') return [...stages]
  const stored = await db.selectFrom('stages').select(['name', 'source']).orderBy('position').execute()
  if (stored.some((s) => s.source !== 'config')) return findStageOrder(db)
  return stagesInStoredSpelling(
    stages,
    stored.map((s) => s.name),
  )
}

/** The stored stage order (empty when none has been saved yet). */
export async function findStageOrder(db: Kysely<Database>): Promise<StageDefinition[]> {
  const rows = await db.selectFrom('stages').select(['name', 'is_closed', 'is_won']).orderBy('position').execute()
  return rows.map((r) => ({ name: r.name, isClosed: r.is_closed === 1, isWon: r.is_won === 1 }))
}

/** Where the stored stage order came from: `config` (`PULSE_STAGES`), a CRM source's name, or null when none is stored. */
export async function findStageOrderSource(db: Kysely<Database>): Promise<string | null> {
  const row = await db.selectFrom('stages').select('source').orderBy('position').limit(1).executeTakeFirst()
  return row?.source ?? null
}
