import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * How many of the deals import run `runId` wrote are lost at each of `stages`, as stored after
 * the import (a re-import may keep a stage lost at that an earlier file or stage history gave).
 * Stages no such deal is lost at are left out.
 * @example await countLostAtStages(db, 7, ['Closed Lost']) // Map { 'Closed Lost' => 12 }
 */
export async function countLostAtStages(db: Kysely<Database>, runId: number, stages: readonly string[]): Promise<Map<string, number>> {
  if (stages.length === 0) return new Map()
  const rows = await db
    .selectFrom('deals')
    .where('import_run_id', '=', runId)
    .where('outcome', '=', 'lost')
    .where('lost_at_stage', 'in', [...stages])
    .groupBy('lost_at_stage')
    .select(['lost_at_stage', (eb) => eb.fn.countAll<number | string>().as('n')])
    .execute()
  return new Map(rows.map((r) => [r.lost_at_stage as string, Number(r.n)]))
}
