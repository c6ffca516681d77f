import type { Transaction } from 'kysely'
import type { Database } from './schema.js'

/**
 * Gives the stored deals (`stage`, `lost_at_stage`) and stays under stage `from` the name `to`,
 * only those of deals from `source` when one is given. A stay that would repeat one stored under
 * `to` (same deal and entry) is dropped, so the stage-history key stays unique. Used where a stage
 * is the same stage under another name: a spelling folded to the stage order's, a CRM's rename.
 */
export async function renameStoredStage(tx: Transaction<Database>, from: string, to: string, source?: string): Promise<void> {
  let repeats = tx
    .deleteFrom('stage_history')
    .where('stage', '=', from)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('stage_history as kept')
          .select('kept.deal_id')
          .whereRef('kept.deal_id', '=', 'stage_history.deal_id')
          .whereRef('kept.entered_at', '=', 'stage_history.entered_at')
          .where('kept.stage', '=', to),
      ),
    )
  let stays = tx.updateTable('stage_history').set({ stage: to }).where('stage', '=', from)
  let stage = tx.updateTable('deals').set({ stage: to }).where('stage', '=', from)
  let lostAt = tx.updateTable('deals').set({ lost_at_stage: to }).where('lost_at_stage', '=', from)
  if (source !== undefined) {
    const ours = tx.selectFrom('deals').select('deal_id').where('source', '=', source)
    repeats = repeats.where('deal_id', 'in', ours)
    stays = stays.where('deal_id', 'in', ours)
    stage = stage.where('source', '=', source)
    lostAt = lostAt.where('source', '=', source)
  }
  await repeats.execute()
  await stays.execute()
  await stage.execute()
  await lostAt.execute()
}
