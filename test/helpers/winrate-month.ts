import type { WinrateMonth } from '../../src/analytics/report-types.js'

/**
 * A judged month as the win-rate report gives it, for tests of the texts built from it: the
 * counts and limits given, the rest plausible filler (a 2025-02..2026-02 baseline at 34.72%).
 */
export function winrateMonth(m: string, won: number, lost: number, lcl: number, ucl: number, anomaly: 'low' | 'high' | null): WinrateMonth {
  return {
    month: m,
    won,
    lost,
    winRate: won / (won + lost),
    center: 0.3472,
    lcl,
    ucl,
    partial: false,
    anomaly,
    n: won + lost,
    limitMethod: 'binomial',
    baselineFrom: '2025-02',
    baselineTo: '2026-02',
    baselineN: 3100,
    z: null,
    runRules: [],
    wonAmount: 0,
    lostAmount: 0,
    created: 260,
    createdAmount: 0,
    openAtEnd: 400,
    openAmountAtEnd: 0,
  } as WinrateMonth
}
