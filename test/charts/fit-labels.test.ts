import { describe, expect, it } from 'vitest'
import { FONT_SIZES } from '../../src/charts/chart-theme.js'
import { fitLabels, shortenLabel } from '../../src/charts/fit-labels.js'
import { characters, chartTextMeasurer } from '../../src/charts/text-metrics.js'

describe('shortenLabel', () => {
  // Decomposed accents (as macOS and some CRMs export them) and emoji with a skin tone.
  const names = [
    'Zu\u0308rich Zu\u0308rich Zu\u0308rich Vertrieb',
    '\u{1F44D}\u{1F3FD}\u{1F44D}\u{1F3FD}\u{1F44D}\u{1F3FD} Committed deals',
  ]

  it.each(['end', 'middle'] as const)(
    'cuts at the %s between whole characters: an accent stays on its letter, a skin tone on its emoji',
    (cut) => {
      for (const name of names) {
        const whole = new Set(characters(name))
        for (let width = 40; width <= 160; width += 4) {
          const label = shortenLabel(name, width, cut)
          expect(chartTextMeasurer().width(label, FONT_SIZES.axisLabel)).toBeLessThanOrEqual(width)
          for (const part of label.split('\u2026')) {
            for (const ch of characters(part)) expect(whole.has(ch), `${JSON.stringify(label)} at ${width} px`).toBe(true)
          }
        }
      }
    },
  )

  it('tells apart long values that share a start by their ends', () => {
    const labels = fitLabels(['Zu\u0308rich Vertriebsabteilung 2', 'Zu\u0308rich Vertriebsabteilung 3'], 90)
    expect(new Set(Object.values(labels)).size).toBe(2)
  })
})
