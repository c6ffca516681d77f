import { findClosedSince } from '../db/find-closed-since.js'
import { findDealIdsInAnyCase } from '../db/find-deal-ids-in-any-case.js'
import { findDealLinks } from '../db/find-deal-links.js'
import { findModelDeals } from '../db/find-model-deals.js'
import type { Store } from '../db/open-store.js'
import { NO_AMOUNT_BAND } from '../domain/amount-band.js'
import { composedDealId } from '../domain/composed-deal-id.js'
import { AppError } from '../errors.js'
import { type DealScore, scoreDeals } from '../model/score-deals.js'
import { MIN_TRAINING_DEALS } from '../model/win-rate-driver-engine.js'
import { loadCurrentModel, loadScoringContext } from './score-open-deals.js'

/** `pulse deal ID`: one element of `score`'s deals plus the deal's own fields. */
export interface DealReport extends Omit<DealScore, 'winProbability' | 'healthScore' | 'health'> {
  /** The model that scored it (or would); null when no model has been trained yet (the deal is not scored). */
  modelId: number | null
  asOf: string
  /** Null for a closed deal or one created after `asOf` (it is not scored). */
  winProbability: number | null
  healthScore: number | null
  /** The parts of the health score; null for a closed deal. */
  health: DealScore['health'] | null
  /** Set when a look back scores with a model that learned from later outcomes (`CurrentModel.lookAhead`). */
  modelNote?: string
  dealName: string | null
  ownerId: string
  ownerEmail: string | null
  outcome: string
  stage: string
  amount: number
  /** The deal's currency as the CRM or CSV gave it (null: not stated). */
  currency: string | null
  /** Null for a CRM deal with no amount (stored as 0). */
  amountBand: string | null
  region: string
  industry: string
  productType: string
  leadSource: string
  createdDate: string
  closedDate: string | null
  lastActivityDate: string | null
  stageEnteredDate: string | null
}

/**
 * One deal's health score and reasons as of `asOf`, computed with the model current on that day (the same
 * computation as {@link scoreOpenDeals}). A closed deal, or one created after `asOf`, gets no
 * score, and says so; so does every deal while no model has been trained (its fields still shown).
 * `options.dbOption` (` --db PATH`, or empty) follows each `pulse train` or `pulse sync` named. A deal
 * recorded won or lost with a close date after the newest record of the store or after
 * `options.today` (see {@link findClosedSince}) says its close is planned, as the stalled report does.
 * @throws AppError `not_found` for an unknown id or an archived deal (saying which).
 */
export async function explainDeal(
  store: Store,
  dealId: string,
  options: { asOf: string; idleDays: number; dbOption?: string; today?: string },
): Promise<DealReport> {
  const dbOption = options.dbOption ?? ''
  // An id typed in another Unicode form than a CSV import stored it in (composed) is the same deal.
  const composed = composedDealId(dealId)
  let [deal] = await findModelDeals(store.db, { dealId })
  if (!deal && composed !== dealId) [deal] = await findModelDeals(store.db, { dealId: composed })
  if (!deal) {
    // The store keeps a deal a sync found archived or deleted in the CRM, but no longer reads it.
    if ((await findDealLinks(store.db, [dealId])).has(dealId))
      throw new AppError(
        'not_found',
        `Deal "${dealId}" was archived or deleted in the CRM (a sync found it removed), so it is no longer scored or reported. Restore it in the CRM and run \`pulse sync${dbOption}\` to score it again.`,
      )
    // An id typed in another case (`d000647`): ids are case-sensitive, so name the stored one.
    const inAnyCase = await findDealIdsInAnyCase(store.db, dealId)
    throw new AppError(
      'not_found',
      inAnyCase.length > 0
        ? `No deal with id "${dealId}" (ids are case-sensitive); did you mean ${inAnyCase.map((id) => `"${id}"`).join(' or ')}?`
        : `No deal with id "${dealId}". Check the id (ids are case-sensitive).`,
    )
  }
  // A deal that is not scored as of that day names the current model; one that is, the model of that day.
  const scored = deal.outcome === 'open' && deal.created_date <= options.asOf
  const current = await loadCurrentModel(store.db, scored ? options.asOf : undefined, dbOption).catch((error: unknown) => {
    // No model yet (a store just imported): the deal is shown with its fields, not scored.
    if (error instanceof AppError && error.code === 'no_model') return null
    throw error
  })
  const link = (await findDealLinks(store.db, [deal.deal_id])).get(deal.deal_id)
  const fields = {
    modelId: current?.modelId ?? null,
    asOf: options.asOf,
    dealName: deal.deal_name,
    ownerId: deal.owner_id,
    ownerEmail: deal.owner_email,
    outcome: deal.outcome,
    stage: deal.stage,
    amount: deal.amount,
    currency: link?.currency ?? null,
    amountBand: deal.amount_band === NO_AMOUNT_BAND ? null : deal.amount_band,
    region: deal.region,
    industry: deal.industry,
    productType: deal.product_type,
    leadSource: deal.lead_source,
    createdDate: deal.created_date,
    closedDate: deal.closed_date,
    lastActivityDate: deal.last_activity_date,
    stageEnteredDate: deal.stage_entered_date,
  }
  const unscored = (reason: string): DealReport => ({
    dealId: deal.deal_id,
    winProbability: null,
    healthScore: null,
    reasons: [reason],
    basis: current === null || current.engine.informative ? 'model' : 'segment',
    health: null,
    daysIdle: null,
    daysInStage: null,
    ...fields,
  })
  // Not there yet on that day, whatever became of it since.
  if (deal.created_date > options.asOf)
    return unscored(`Created on ${deal.created_date}, after ${options.asOf}: not scored as of that date`)
  if (deal.outcome !== 'open') {
    // Open on that day but closed since: the store keeps the deal as it is now, not as it was then.
    if (deal.closed_date !== null && deal.closed_date > options.asOf) {
      const { newestRecord } = await findClosedSince(store.db, { asOf: options.asOf }, options.today)
      if (newestRecord !== null && deal.closed_date > newestRecord)
        return unscored(
          `Recorded ${deal.outcome} with a close date of ${deal.closed_date}, after ${options.asOf} and after the newest record (${newestRecord}): a planned close, not one that has happened; only deals open now are scored`,
        )
      return unscored(
        `Closed ${deal.outcome} on ${deal.closed_date}, after ${options.asOf}: only deals open now are scored (the deal as it was on ${options.asOf} is not kept)`,
      )
    }
    return unscored(`Closed ${deal.outcome} on ${deal.closed_date ?? 'an unknown date'}: only open deals are scored`)
  }
  if (current === null)
    return unscored(
      `Not scored: no model has been trained yet. Run \`pulse train${dbOption}\` (it needs at least ${MIN_TRAINING_DEALS} closed deals that are not stale) to score the open deals`,
    )
  // Scoring reads only the deal's own owner's track record.
  const context = await loadScoringContext(store.db, options.asOf, options.idleDays, [deal.owner_id])
  const [score] = scoreDeals(current.engine, [deal], context) as [DealScore]
  // The score element first (as in `pulse score`), then the deal's own fields.
  return { ...score, ...(current.lookAhead === undefined ? {} : { modelNote: current.lookAhead }), ...fields }
}
