import type { Kysely } from 'kysely'
import { mergeStageOrders } from '../domain/merge-stage-orders.js'
import type { StageDefinition } from '../domain/stages-from-names.js'
import { stagesInStoredSpelling } from '../domain/stages-in-stored-spelling.js'
import { lockTableForWriters } from './dialect.js'
import { foldStageSpellings } from './fold-stage-spellings.js'
import type { Database } from './schema.js'

// The import still reads the stage-name rules from here.
export { isLostStageName, isWonStageName, stagesFromNames } from '../domain/stages-from-names.js'

/**
 * Replaces the stored stage order with `stages` (positions follow the array) for `source`.
 * A CRM's own pipeline order wins over the configured one: a `config` order does not replace
 * an order that a CRM source saved, and keeps the stored spelling of a stage it names in another
 * case (`demo` for a stored `Demo`), the one the deals were imported in. A CRM's order replaces
 * its own stages and a configured order, but not the stages of another CRM whose deals the store
 * still holds (HubSpot's beside Salesforce's): the two are merged ({@link mergeStageOrders}), so
 * neither CRM's deals drop out of the funnel when the other syncs. A CRM's order that differs from
 * the stored one also gives its spelling to the stored stages it names in another case
 * ({@link foldStageSpellings}). Two saves at once (from two
 * instances) take turns: the stored order is one of them, whole.
 * @returns the other CRM sources whose stages the saved order keeps (empty when none).
 */
export async function saveStageOrder(db: Kysely<Database>, stages: readonly StageDefinition[], source: string): Promise<string[]> {
  return db.transaction().execute(async (tx) => {
    // Two instances saving at once (two imports, an import and a sync) take turns.
    await lockTableForWriters(tx, 'stages')
    let order: Array<StageDefinition & { source?: string }> = [...stages]
    let kept: string[] = []
    if (source === 'config') {
      const stored = await tx.selectFrom('stages').select(['name', 'source']).orderBy('position').execute()
      if (stored.some((s) => s.source !== 'config')) return []
      order = stagesInStoredSpelling(
        stages,
        stored.map((s) => s.name),
      )
    } else {
      const others = await otherCrmStages(tx, source)
      kept = others.map((o) => o.source)
      if (kept.length > 0) order = mergeStageOrders([{ source, stages }, ...others])
      // A new order may spell in another case stages the store holds (a CSV import's `contract
      // sent`, the other CRM's): they take its spelling. An order saved as before changes nothing.
      const before = await tx.selectFrom('stages').select('name').orderBy('position').execute()
      if (before.map((s) => s.name).join('\n') !== order.map((s) => s.name).join('\n')) {
        await foldStageSpellings(
          tx,
          order.map((s) => s.name),
        )
      }
    }
    await tx.deleteFrom('stages').execute()
    if (order.length === 0) return kept
    await tx
      .insertInto('stages')
      .values(
        order.map((s, i) => ({
          name: s.name,
          position: i,
          is_closed: s.isClosed ? 1 : 0,
          is_won: s.isWon ? 1 : 0,
          source: s.source ?? source,
        })),
      )
      .execute()
    return kept
  })
}

/** The stored stage orders of the CRM sources other than `source` whose deals the store still holds, each in its stored order. */
async function otherCrmStages(db: Kysely<Database>, source: string): Promise<Array<{ source: string; stages: StageDefinition[] }>> {
  const stored = await db.selectFrom('stages').select(['name', 'is_closed', 'is_won', 'source']).orderBy('position').execute()
  const out: Array<{ source: string; stages: StageDefinition[] }> = []
  for (const other of new Set(stored.map((s) => s.source))) {
    if (other === 'config' || other === source) continue
    const held = await db.selectFrom('deals').select('deal_id').where('source', '=', other).limit(1).executeTakeFirst()
    if (held === undefined) continue
    const rows = stored.filter((s) => s.source === other)
    out.push({ source: other, stages: rows.map((r) => ({ name: r.name, isClosed: r.is_closed === 1, isWon: r.is_won === 1 })) })
  }
  return out
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
  if (source !== 'config') {
    const others = await otherCrmStages(db, source)
    return others.length === 0 ? [...stages] : mergeStageOrders([{ source, stages }, ...others]).map(({ source: _, ...s }) => s)
  }
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
