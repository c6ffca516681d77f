import { describe, expect, it } from 'vitest'
import { formatCompactCount, formatMonth, formatPercent, formatPoints } from '../../src/charts/chart-theme.js'

describe('number formats', () => {
  it('formats rates as whole percentages, keeping one decimal below 1%', () => {
    expect(formatPercent(0.41)).toBe('41%')
    expect(formatPercent(0.4149)).toBe('41%')
    expect(formatPercent(0.005)).toBe('0.5%')
    expect(formatPercent(0)).toBe('0%')
    expect(formatPercent(1)).toBe('100%')
    expect(formatPercent(Number.NaN)).toBe('\u2013')
  })

  it('formats compact counts, points and months', () => {
    expect(formatCompactCount(42_226)).toBe('42k')
    expect(formatCompactCount(950)).toBe('950')
    expect(formatPoints(0.052)).toBe('+5 pts')
    expect(formatPoints(-0.031)).toBe('\u22123 pts')
    expect(formatMonth('2025-06')).toBe('Jun 2025')
    expect(formatMonth('2025-06', true)).toBe('Jun')
  })
})
