import { COLORS, FONT_SIZES, LAYOUT } from './chart-theme.js'
import { characters, chartTextMeasurer } from './text-metrics.js'

/** Where {@link shortenLabel} takes characters out: the end, or the middle (keeping the start and the end). */
export type LabelCut = 'end' | 'middle'

/**
 * `text` within `maxWidth` CSS px at `fontSize` (default: the axis label size), whole characters
 * only (a letter keeps its accents, an emoji sequence stays whole), with an ellipsis where characters were taken out; unchanged when it fits.
 * @example shortenLabel('Enterprise Solution 3', 90, 'middle') // 'Enterprise S…ion 3'
 */
export function shortenLabel(text: string, maxWidth: number, cut: LabelCut = 'end', fontSize: number = FONT_SIZES.axisLabel): string {
  const m = chartTextMeasurer()
  const fits = (t: string) => m.width(t, fontSize) <= maxWidth
  if (fits(text)) return text
  // Cut between user-perceived characters: never an accent off its letter or onto the ellipsis.
  const chars = characters(text)
  if (cut === 'end') {
    while (chars.length > 1 && !fits(`${chars.join('').trimEnd()}\u2026`)) chars.pop()
    return `${chars.join('').trimEnd()}\u2026`
  }
  let head = Math.ceil(chars.length / 2)
  let tail = chars.length - head
  const joined = () =>
    `${chars.slice(0, head).join('').trimEnd()}\u2026${chars
      .slice(chars.length - tail)
      .join('')
      .trimStart()}`
  while (head + tail > 1 && !fits(joined())) {
    if (head > tail) head--
    else tail--
  }
  return joined()
}

/**
 * Axis labels no wider than `maxWidth` at `fontSize` (default: the axis label size): a long value loses its end behind an
 * ellipsis; when that would make two values read alike, their middles go instead (`Enterprise S…ion 3`),
 * since vega, which only cuts the end, would show values that share a long prefix all alike.
 * @example fitLabels(['Enterprise Solution 2', 'Enterprise Solution 3'], 90) // { 'Enterprise Solution 2': 'Enterprise S…ion 2', ... }
 */
export function fitLabels(values: readonly string[], maxWidth: number, fontSize: number = FONT_SIZES.axisLabel): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const v of values) labels[v] = shortenLabel(v, maxWidth, 'end', fontSize)
  const seen = new Map<string, number>()
  for (const v of values) seen.set(labels[v]!, (seen.get(labels[v]!) ?? 0) + 1)
  for (const v of values) if (labels[v] !== v && seen.get(labels[v]!)! > 1) labels[v] = shortenLabel(v, maxWidth, 'middle', fontSize)
  return labels
}

/**
 * The y axis of a bar chart with one bar per stage: stage names at the larger bar-label size,
 * each within {@link LAYOUT.stageLabelMax} and told apart (see {@link fitLabels}).
 */
export function stageAxis(stages: readonly string[]) {
  const size = FONT_SIZES.axisLabel + 1
  const labels = fitLabels(stages, LAYOUT.stageLabelMax, size)
  return {
    title: null,
    labelFontSize: size,
    labelColor: COLORS.ink,
    labelLimit: LAYOUT.stageLabelMax + 2,
    labelExpr: `${JSON.stringify(labels)}[datum.value]`,
  }
}
