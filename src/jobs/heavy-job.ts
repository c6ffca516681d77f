import type { Store } from '../db/open-store.js'
import { refreshAnalyticsRollup } from '../db/refresh-analytics-rollup.js'
import { retrainModel } from '../services/retrain-model.js'
import { scoreOpenDealsIfTrained } from '../services/score-open-deals.js'

/**
 * A piece of scheduled work that keeps a CPU busy for seconds on a large store (every deal read
 * and computed over): rebuilding the report summaries, scoring the open deals, training the model.
 */
export type HeavyJob =
  | { readonly kind: 'refresh-rollup' }
  | { readonly kind: 'score'; readonly asOf: string; readonly idleDays: number }
  | { readonly kind: 'retrain'; readonly asOf: string; readonly staleDays: number }

/** What each {@link HeavyJob} returns: small, so that it crosses threads cheaply. */
export interface HeavyJobResults {
  /** Whether the summaries were rebuilt (false: the store has none to rebuild). */
  'refresh-rollup': { refreshed: boolean }
  /** Open deals scored, or null when no model has been trained yet. */
  score: { scored: number | null }
  retrain: { modelId: number; informative: boolean; nTrain: number }
}

/** Runs `job` on `store`, on the calling thread (see `runHeavyJob` for running it on another). */
export async function runHeavyJobHere<J extends HeavyJob>(store: Store, job: J): Promise<HeavyJobResults[J['kind']]> {
  return (await runAny(store, job)) as HeavyJobResults[J['kind']]
}

async function runAny(store: Store, job: HeavyJob): Promise<HeavyJobResults[HeavyJob['kind']]> {
  switch (job.kind) {
    case 'refresh-rollup':
      return { refreshed: await refreshAnalyticsRollup(store) }
    case 'score':
      return { scored: (await scoreOpenDealsIfTrained(store, { asOf: job.asOf, idleDays: job.idleDays }))?.deals.length ?? null }
    case 'retrain': {
      const trained = await retrainModel(store, { asOf: job.asOf, staleDays: job.staleDays })
      return { modelId: trained.modelId, informative: trained.informative, nTrain: trained.nTrain }
    }
  }
}
