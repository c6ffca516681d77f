import type { Kysely } from 'kysely'
import { findCurrentModel } from '../../db/find-current-model.js'
import { findDealsByIdOrName, type SlackDealRow } from '../../db/find-slack-deals.js'
import type { Database } from '../../db/schema.js'
import { NO_AMOUNT_BAND } from '../../domain/amount-band.js'
import { daysIdle, lastActivityOf } from '../../domain/deal-derived.js'
import type { DealCard, DealHealth } from './pulse-services.js'

function parseReasons(json: string | null): string[] {
  if (!json) return []
  try {
    const v = JSON.parse(json)
    return Array.isArray(v) ? v.map(String) : []
  } catch {
    return []
  }
}

/** A deal's health from its score row (null when it has no score yet). */
export function dealHealthOf(row: {
  deal_id: string
  health_score: number | null
  win_probability: number | null
  basis: string | null
  reasons: string | null
}): DealHealth | null {
  if (row.health_score === null) return null
  return {
    dealId: row.deal_id,
    healthScore: Math.round(row.health_score),
    // Segment base rates are not predictions (issue 4): they are not shown as a probability.
    winProbability: row.basis === 'model' ? row.win_probability : null,
    reasons: parseReasons(row.reasons),
  }
}

/** A deal as Slack shows it, with its days idle as of `asOf` (YYYY-MM-DD). */
export function dealCardOf(row: SlackDealRow, asOf: string): DealCard {
  return {
    dealId: row.deal_id,
    dealName: row.deal_name,
    ownerId: row.owner_id,
    ownerEmail: row.owner_email,
    amount: row.amount,
    amountMissing: row.amount_band === NO_AMOUNT_BAND,
    currency: row.currency,
    stage: row.stage,
    outcome: row.outcome,
    daysIdle: daysIdle(row, asOf),
    lastActivity: row.outcome === 'open' ? lastActivityOf(row) : null,
    crmUrl: row.crm_url,
    health: dealHealthOf(row),
  }
}

/**
 * Deals by id, or by name (case-insensitive substring, largest first; a scan of every deal's
 * name, 0.1-0.3 s on a 1M-deal store), at most `limit`, with the current model's health; only
 * of `ownerIds` when given.
 */
export async function findDealCards(
  db: Kysely<Database>,
  idOrName: string,
  asOf: string,
  limit: number,
  ownerIds?: readonly string[],
): Promise<DealCard[]> {
  const modelId = (await findCurrentModel(db))?.model_id ?? null
  const rows = await findDealsByIdOrName(db, idOrName, modelId, limit, ownerIds)
  return rows.map((r) => dealCardOf(r, asOf))
}
