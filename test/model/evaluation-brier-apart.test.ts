import { describe, expect, it } from 'vitest'
import { formatScoresApart } from '../../src/analytics/format-figures.js'
import { notInformativeReason } from '../../src/model/score-deals.js'
import { evaluationVerdict, type WinRateDriverEngine } from '../../src/model/win-rate-driver-engine.js'

// Seed 12's demo at 4,000 deals: the model's Brier score is worse than the base rate's by 0.00002.
const base = { nTest: 720, baseRate: 0.35, testWinRate: 0.3, leakSuspect: null, auc: 0.58, aucLow: 0.53, aucHigh: 0.64 }
const reasonOf = (e: Record<string, unknown>) => notInformativeReason({ evaluation: { ...base, ...e } } as unknown as WinRateDriverEngine)

describe('the Brier scores a verdict compares', () => {
  it('read apart when the verdict says the model scores worse by less than the fourth decimal', () => {
    const e = { ...base, brier: 0.19633963588, baselineBrier: 0.19632001641, informative: false }
    const verdict = evaluationVerdict(e)
    expect(verdict).toContain('its probabilities score worse than always predicting the base rate')
    expect(verdict).toContain('Brier 0.19634 vs 0.19632 for the base rate of 35%')
    expect(reasonOf(e)).toContain('; Brier 0.19634 vs 0.19632 for the base rate)')
  })

  it('read apart when the verdict says the model beats the base rate', () => {
    const verdict = evaluationVerdict({ ...base, brier: 0.20961, baselineBrier: 0.20963, informative: true })
    expect(verdict).toContain('its probabilities beat the base rate (AUC 0.58, 95% CI 0.53-0.64; Brier 0.20961 vs 0.20963')
  })

  it('are called no better, not worse, when they are equal (a model that gives every deal the base rate)', () => {
    const verdict = evaluationVerdict({ ...base, brier: 0.2275, baselineBrier: 0.2275, informative: false })
    expect(verdict).toContain('its probabilities score no better than always predicting the base rate (')
    expect(verdict).not.toContain('worse')
    expect(verdict).toContain('Brier 0.2275 vs 0.2275')
  })

  it('keep four decimals when those already tell them apart', () => {
    expect(formatScoresApart(0.201, 0.199)).toEqual(['0.2010', '0.1990'])
    expect(formatScoresApart(0.123456789, 0.123456781)).toEqual(['0.12345679', '0.12345678'])
  })
})
