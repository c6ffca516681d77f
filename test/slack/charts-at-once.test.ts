import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { silentLogger } from '../../src/log/create-logger.js'
import type { AnswerJob } from '../../src/slack/app/answer-job.js'
import { createConcurrencyLimit } from '../../src/slack/app/create-concurrency-limit.js'
import { CHARTS_DRAWN_AT_ONCE, createPulseServices } from '../../src/slack/app/create-pulse-services.js'
import { openTestStore } from '../helpers/test-store.js'

// Answer workers that draw a chart in 20 ms (a report with `fail` fails), counting the drawings going on at once.
function countingWorkers() {
  let now = 0
  let most = 0
  const drawn: number[] = []
  return {
    get most() {
      return most
    },
    drawn,
    async run(job: AnswerJob) {
      if (job.kind !== 'chart') throw new Error(`unexpected job ${job.kind}`)
      now++
      most = Math.max(most, now)
      try {
        await new Promise((resolve) => setTimeout(resolve, 20))
        const report = job.report as unknown as { n: number; fail?: boolean }
        if (report.fail) throw new Error('cannot draw')
        drawn.push(report.n)
        return { png: Buffer.from([report.n]), title: 't', altText: 'a' }
      } finally {
        now--
      }
    },
  }
}

describe('charts drawn at once for Slack answers', () => {
  it('draws a burst of different charts at most two at a time, every one in the end, a failed drawing freeing its turn', async () => {
    const store = await openTestStore()
    const workers = countingWorkers()
    const config = loadConfig({})
    const services = createPulseServices({ store, config, logger: silentLogger(), answers: workers as never })
    const reports = Array.from({ length: 30 }, (_, n) => ({ n, ...(n % 10 === 3 ? { fail: true } : {}) }))
    const settled = await Promise.allSettled(reports.map((r) => services.renderChart('winrate', r as never)))
    expect(workers.most).toBe(CHARTS_DRAWN_AT_ONCE)
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(3)
    expect(workers.drawn.sort((a, b) => a - b)).toEqual(reports.filter((r) => !r.fail).map((r) => r.n))
    await store.close()
  })
})

describe('createConcurrencyLimit', () => {
  it('runs at most `max` at once, first asked first served, and counts who waits', async () => {
    const limit = createConcurrencyLimit(2)
    const started: number[] = []
    const gates: Array<() => void> = []
    const runs = [0, 1, 2, 3].map((i) =>
      limit(
        () =>
          new Promise<number>((resolve) => {
            started.push(i)
            gates[i] = () => resolve(i)
          }),
      ),
    )
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(started).toEqual([0, 1])
    expect([limit.active, limit.waiting]).toEqual([2, 2])
    gates[1]?.()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(started).toEqual([0, 1, 2])
    gates[0]?.()
    gates[2]?.()
    await new Promise((resolve) => setTimeout(resolve, 0))
    gates[3]?.()
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3])
    expect([limit.active, limit.waiting]).toEqual([0, 0])
  })
})
