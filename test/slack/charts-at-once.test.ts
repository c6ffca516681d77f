import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import type { AppError } from '../../src/errors.js'
import { silentLogger } from '../../src/log/create-logger.js'
import type { AnswerJob } from '../../src/slack/app/answer-job.js'
import { createConcurrencyLimit } from '../../src/slack/app/create-concurrency-limit.js'
import { CHARTS_BUSY, CHARTS_DRAWN_AT_ONCE, createPulseServices } from '../../src/slack/app/create-pulse-services.js'
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

describe('createConcurrencyLimit with a bound on who waits', () => {
  it('refuses a run at once while `maxWaiting` wait, never calling it, and takes runs again once the line moves', async () => {
    const limit = createConcurrencyLimit(1, { maxWaiting: 2, whenFull: () => new Error('full') })
    const gates: Array<() => void> = []
    const called: number[] = []
    const ask = (i: number) =>
      limit(
        () =>
          new Promise<number>((resolve) => {
            called.push(i)
            gates[i] = () => resolve(i)
          }),
      )
    const runs = [0, 1, 2].map(ask)
    await expect(ask(3)).rejects.toThrow('full')
    expect([limit.active, limit.waiting]).toEqual([1, 2])
    gates[0]?.()
    await new Promise((resolve) => setTimeout(resolve, 0))
    // One left the line: the next asked waits its turn again.
    const fourth = ask(4)
    expect(limit.waiting).toBe(2)
    for (const i of [1, 2, 4]) {
      await new Promise((resolve) => setTimeout(resolve, 0))
      gates[i]?.()
    }
    expect(await Promise.all([...runs, fourth])).toEqual([0, 1, 2, 4])
    expect(called).toEqual([0, 1, 2, 4])
  })
})

// Answer workers whose chart drawings all wait for `open()`, counting the drawings asked for.
function gatedWorkers() {
  let open: () => void = () => undefined
  const gate = new Promise<void>((resolve) => {
    open = resolve
  })
  let asked = 0
  return {
    open,
    get asked() {
      return asked
    },
    async run(job: AnswerJob) {
      if (job.kind !== 'chart') throw new Error(`unexpected job ${job.kind}`)
      asked++
      await gate
      return { png: Buffer.from([1]), title: 't', altText: 'a' }
    },
  }
}

describe('charts waiting to be drawn (PULSE_CHART_QUEUE_MAX)', () => {
  it('by default takes a burst of 250 different charts at once, refusing none', async () => {
    const store = await openTestStore()
    const workers = gatedWorkers()
    const services = createPulseServices({ store, config: loadConfig({}), logger: silentLogger(), answers: workers as never })
    const drawings = Array.from({ length: 250 }, (_, n) => services.renderChart('winrate', { n } as never))
    workers.open()
    const settled = await Promise.allSettled(drawings)
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([])
    expect(workers.asked).toBe(250)
    await store.close()
  })

  it('refuses a chart asked for while the limit waits, with the sentence to try again in a minute, and draws the others', async () => {
    const store = await openTestStore()
    const workers = gatedWorkers()
    const config = loadConfig({ PULSE_CHART_QUEUE_MAX: '3' })
    expect(config.chartQueueMax).toBe(3)
    const services = createPulseServices({ store, config, logger: silentLogger(), answers: workers as never })
    const drawings = Array.from({ length: 8 }, (_, n) => services.renderChart('winrate', { n } as never))
    workers.open()
    const settled = await Promise.allSettled(drawings)
    const refused = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as AppError] : []))
    // Two drawn at once, three waiting: the other three are refused.
    expect(refused.map((e) => [e.code, e.message])).toEqual(Array(3).fill(['busy', CHARTS_BUSY]))
    expect(CHARTS_BUSY).toMatch(/try again in a minute/)
    expect(workers.asked).toBe(5)
    await store.close()
  })

  it('is a whole number of charts, 0 for no limit', () => {
    expect(loadConfig({ PULSE_CHART_QUEUE_MAX: '0' }).chartQueueMax).toBe(0)
    expect(() => loadConfig({ PULSE_CHART_QUEUE_MAX: '-1' })).toThrow(/PULSE_CHART_QUEUE_MAX/)
    expect(() => loadConfig({ PULSE_CHART_QUEUE_MAX: 'many' })).toThrow(/PULSE_CHART_QUEUE_MAX/)
  })
})
