import type { StalePipeline } from '../../src/db/find-stale-pipeline.js'

/** A store's stale-pipeline figures when it holds no open deal: every count 0, no currency. */
export function emptyStalePipeline(): StalePipeline {
  return {
    openCount: 0,
    openAmount: 0,
    staleCount: 0,
    staleAmount: 0,
    staleWithoutTouchDate: 0,
    staleClosedCount: 0,
    closedSince: 0,
    plannedCloses: { count: 0, newestRecord: null },
    openCurrencies: [],
    staleCurrencies: [],
    noActivityByAsOfCurrencies: [],
    activityByAsOfCurrencies: [],
    closedSinceCounted: false,
    noActivityByAsOfCount: 0,
    noActivityByAsOfAmount: 0,
    standInOnAsOf: false,
  }
}
