import type { RenderedChart } from './pulse-services.js'

/** Charts kept: enough for every report kind under a few scopes (about 100 KB each). */
const DEFAULT_SIZE = 32

/**
 * Remembers the last charts rendered, by what they draw (the report kind and its content): the
 * same report asked for again (several people asking at once, the same scope, the same data)
 * is drawn once, and a chart being drawn is shared by those asking meanwhile. Drawing a chart
 * keeps the thread that acknowledges Slack busy for 15-50 ms; the key is the report itself, so a
 * changed report (new data, another day or scope) is drawn afresh. A failed drawing is not kept.
 */
export function createChartMemo(
  render: (kind: string, report: unknown) => Promise<RenderedChart>,
  size = DEFAULT_SIZE,
): (kind: string, report: unknown) => Promise<RenderedChart> {
  const kept = new Map<string, Promise<RenderedChart>>()
  return (kind, report) => {
    const key = `${kind}\u0000${JSON.stringify(report)}`
    const hit = kept.get(key)
    if (hit) {
      // Most recently used last: the oldest is the first to go.
      kept.delete(key)
      kept.set(key, hit)
      return hit
    }
    const drawing = render(kind, report)
    kept.set(key, drawing)
    drawing.catch(() => kept.delete(key))
    while (kept.size > size) kept.delete(kept.keys().next().value as string)
    return drawing
  }
}
