import type { Kysely } from 'kysely'
import { findModelDeals } from '../db/find-model-deals.js'
import type { Database } from '../db/schema.js'
import { AppError } from '../errors.js'
import { type DealScore, scoreDeals } from '../model/score-deals.js'
import { loadCurrentModel, loadScoringContext } from './score-open-deals.js'

/**
 * Scores the open deals among `dealIds` as of `asOf` (`YYYY-MM-DD`) with the model current on that day, as
 * {@link scoreOpenDeals} does, without storing the scores: for a message about a day the stored
 * scores were not computed for, whose days idle and in stage they would misstate. Closed and
 * archived deals, and deals created after `asOf`, are left out; so is every deal when no model has
 * been trained.
 * @example await scoreDealsAsOf(db, ['D000101'], { asOf: '2024-07-20', idleDays: 14 }) // [{ dealId: 'D000101', healthScore: 31, ... }]
 */
export async function scoreDealsAsOf(
  db: Kysely<Database>,
  dealIds: readonly string[],
  options: { asOf: string; idleDays: number },
): Promise<DealScore[]> {
  if (dealIds.length === 0) return []
  let current: Awaited<ReturnType<typeof loadCurrentModel>>
  try {
    current = await loadCurrentModel(db, options.asOf)
  } catch (error) {
    if (error instanceof AppError && error.code === 'no_model') return []
    throw error
  }
  const deals = (await findModelDeals(db, { dealIds })).filter((d) => d.outcome === 'open' && d.created_date <= options.asOf)
  if (deals.length === 0) return []
  const context = await loadScoringContext(db, options.asOf, options.idleDays, [...new Set(deals.map((d) => d.owner_id))])
  return scoreDeals(current.engine, deals, context)
}
