import type { StageTime } from './report-types.js'

/**
 * Completed stays a stage needs before its p90 serves as a stall threshold: with fewer, the
 * Kaplan-Meier p90 is little more than the longest stay seen (with 9 or fewer it is the longest),
 * so "longer than 90% of stays there" would not be a finding the data supports. With 20, about two
 * completed stays lie beyond it.
 */
export const MIN_COMPLETED_STAYS_FOR_P90 = 20

/**
 * Each stage's p90 of days in stage that may flag a deal: only stages with a p90 and at least
 * {@link MIN_COMPLETED_STAYS_FOR_P90} completed stays. Pure.
 * @example stageP90Thresholds([{ stage: 'Demo', stays: 40, completed: 40, censored: 0, median: 3, p75: 4, p90: 5 }]) // Map { 'Demo' => 5 }
 */
export function stageP90Thresholds(stageTimes: readonly StageTime[]): Map<string, number> {
  const thresholds = new Map<string, number>()
  for (const s of stageTimes) if (s.p90 !== null && s.completed >= MIN_COMPLETED_STAYS_FOR_P90) thresholds.set(s.stage, s.p90)
  return thresholds
}

/**
 * The stages measured (`stageTimes` not empty) whose p90 cannot flag a deal: too few completed
 * stays, or no p90 at all. Pure.
 */
export function stagesWithoutP90(stageTimes: readonly StageTime[]): string[] {
  const thresholds = stageP90Thresholds(stageTimes)
  return stageTimes.filter((s) => !thresholds.has(s.stage)).map((s) => s.stage)
}
