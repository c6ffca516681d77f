import { describe, expect, it } from 'vitest'
import { createChartMemo } from '../../src/slack/app/create-chart-memo.js'
import type { RenderedChart } from '../../src/slack/app/pulse-services.js'

/** A renderer that counts its drawings; a report with `fail` set fails to draw. */
function counting() {
  const drawn: string[] = []
  const render = async (kind: string, report: unknown): Promise<RenderedChart> => {
    drawn.push(`${kind}:${JSON.stringify(report)}`)
    await new Promise((r) => setTimeout(r, 5))
    if ((report as { fail?: boolean }).fail) throw new Error('cannot draw')
    return { png: Buffer.from(JSON.stringify(report)), title: kind, altText: kind }
  }
  return { drawn, render }
}

describe('createChartMemo', () => {
  it('draws the same report once, also when asked for again while it is being drawn, and a changed one afresh', async () => {
    const { drawn, render } = counting()
    const chart = createChartMemo(render)
    const a = { asOf: '2024-07-20', months: [{ won: 3, lost: 2 }] }
    const [first, second] = await Promise.all([chart('winrate', a), chart('winrate', structuredClone(a))])
    expect(second).toBe(first)
    expect(drawn).toHaveLength(1)
    await chart('winrate', { ...a, asOf: '2024-07-21' })
    await chart('losses', a)
    expect(drawn).toHaveLength(3)
  })

  it('keeps no failed drawing, and lets the least recently used chart go when full', async () => {
    const { drawn, render } = counting()
    const chart = createChartMemo(render, 2)
    await expect(chart('funnel', { fail: true })).rejects.toThrow('cannot draw')
    await expect(chart('funnel', { fail: true })).rejects.toThrow('cannot draw')
    expect(drawn).toHaveLength(2)
    await chart('k', { n: 1 })
    await chart('k', { n: 2 })
    await chart('k', { n: 1 }) // used again: n=2 is now the oldest
    await chart('k', { n: 3 })
    await chart('k', { n: 1 })
    expect(drawn).toHaveLength(5)
    await chart('k', { n: 2 })
    expect(drawn).toHaveLength(6)
  })
})
