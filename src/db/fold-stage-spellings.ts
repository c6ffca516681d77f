import type { Kysely, Transaction } from 'kysely'
import { stageSpelling } from '../domain/stage-spelling.js'
import { renameStoredStage } from './rename-stored-stage.js'
import type { Database } from './schema.js'

/**
 * Rewrites every stored stage that differs only in case from one of `names` (the stage order
 * just saved) to that spelling, in `deals` (`stage`, `lost_at_stage`) and `stage_history`, as
 * migration 0019 does on upgrade: deals a CSV import stored as `contract sent` before a CRM's
 * pipeline named the stage `Contract Sent` would otherwise be left out of the funnel, the losses by
 * stage and the time in stage, which match names exactly. A stay that would repeat one stored in
 * the new spelling (same deal, entry and stage) is dropped. When anything changed, `meta.data_version`
 * moves on (`stages:<now>`), so report summaries built before are rebuilt. Returns whether anything changed.
 */
export async function foldStageSpellings(tx: Transaction<Database>, names: readonly string[], now: Date = new Date()): Promise<boolean> {
  const spelling = stageSpelling(names)
  const stored = new Set<string>()
  // One read of each table (a store of a million deals takes a fraction of a second for each).
  for (const r of await tx.selectFrom('deals').select(['stage', 'lost_at_stage']).distinct().execute()) {
    stored.add(r.stage)
    if (r.lost_at_stage !== null) stored.add(r.lost_at_stage)
  }
  for (const r of await tx.selectFrom('stage_history').select('stage').distinct().execute()) stored.add(r.stage)
  let changed = false
  for (const stage of stored) {
    const to = spelling(stage)
    if (to === stage) continue
    changed = true
    await renameStoredStage(tx, stage, to)
  }
  if (changed) await setDataVersion(tx, `stages:${now.toISOString()}`)
  return changed
}

async function setDataVersion(db: Kysely<Database>, version: string) {
  await db
    .insertInto('meta')
    .values({ key: 'data_version', value: version })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: version }))
    .execute()
}
