import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { sampleThreadCpu, statTicks } from '../../bench/sample-thread-cpu.js'

describe('statTicks', () => {
  it('adds utime and stime, counting fields after the last parenthesis of the thread name', () => {
    // A name may hold spaces and parentheses; utime and stime are the 14th and 15th fields.
    const line = '4242 (my (odd) name) R 1 4242 4242 0 -1 4194304 100 0 0 0 731 52 0 0 20 0 9 0 123 456 789'
    expect(statTicks(line)).toBe(783)
  })
})

describe.runIf(process.platform === 'linux')('sampleThreadCpu', () => {
  it('keeps the CPU time of a busy thread that ended before the reading stopped', async () => {
    const sampler = sampleThreadCpu(10)
    // A fixed amount of work (a few tenths of a CPU-second however loaded the machine is) on a
    // worker thread that then exits.
    const worker = new Worker(
      "const { parentPort } = require('node:worker_threads'); let x = 0; for (let i = 0; i < 1e8; i++) x = (x + i) % 1000003; parentPort.postMessage(x)",
      { eval: true },
    )
    await new Promise((resolve) => worker.once('exit', resolve))
    const cpu = sampler.stop()
    expect(cpu).not.toBeNull()
    expect(cpu?.busiestOtherSeconds).toBeGreaterThanOrEqual(0.1)
    expect(cpu?.mainSeconds).toBeGreaterThan(0)
  })
})
