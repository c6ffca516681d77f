import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * Which of `stages` an open or lost deal that import run `runId` wrote (inserted or updated) is
 * at, as stored after the import: a stage only rows kept as stored gave is at none.
 * @example await findStagesOfImportRun(db, 7, ['Discovery', 'Pilot']) // Set { 'Pilot' }
 */
export async function findStagesOfImportRun(db: Kysely<Database>, runId: number, stages: readonly string[]): Promise<Set<string>> {
  if (stages.length === 0) return new Set()
  const rows = await db
    .selectFrom('deals')
    .where('import_run_id', '=', runId)
    .where('outcome', '<>', 'won')
    .where('stage', 'in', [...stages])
    .select('stage')
    .distinct()
    .execute()
  return new Set(rows.map((r) => r.stage))
}
