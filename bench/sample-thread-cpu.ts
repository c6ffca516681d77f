/**
 * CPU time per thread of this process, read from Linux's `/proc/self/task/<tid>/stat` every few
 * milliseconds while work runs, so that a thread that ends before the work does (the CSV parser's
 * worker) keeps its last reading. Elsewhere than Linux it reads nothing.
 */
import { readdirSync, readFileSync } from 'node:fs'

/** CPU seconds (user + system) of the main thread and of the busiest other thread. */
export interface ThreadCpu {
  mainSeconds: number
  /** The busiest thread besides the main one (during an import of 8 MB or more: the CSV parser's worker). */
  busiestOtherSeconds: number
}

/** Clock ticks per second of `/proc` times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100

/** utime + stime of one `/proc/.../stat` line, in ticks (fields 14 and 15, counted after the name's closing parenthesis). */
export function statTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12])
}

/**
 * Starts reading every `everyMs` ms; `stop()` takes a last reading and returns the figures, or
 * null where `/proc/self/task` cannot be read.
 */
export function sampleThreadCpu(everyMs = 50): { stop(): ThreadCpu | null } {
  const ticks = new Map<number, number>()
  let readable = true
  const read = () => {
    try {
      for (const tid of readdirSync('/proc/self/task')) {
        try {
          ticks.set(Number(tid), statTicks(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')))
        } catch {
          // The thread ended between the listing and the read: its last reading stays.
        }
      }
    } catch {
      readable = false
    }
  }
  read()
  const timer = setInterval(read, everyMs)
  timer.unref()
  return {
    stop() {
      clearInterval(timer)
      read()
      if (!readable) return null
      const main = ticks.get(process.pid) ?? 0
      let busiest = 0
      for (const [tid, t] of ticks) if (tid !== process.pid && t > busiest) busiest = t
      return { mainSeconds: main / TICKS_PER_SECOND, busiestOtherSeconds: busiest / TICKS_PER_SECOND }
    },
  }
}
