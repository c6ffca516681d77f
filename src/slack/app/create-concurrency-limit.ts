/** Runs work with at most a fixed number of runs at once (see {@link createConcurrencyLimit}). */
export interface ConcurrencyLimit {
  /** Runs `work` once fewer than the limit are running, in the order asked; settles as it does. */
  <T>(work: () => Promise<T>): Promise<T>
  /** Runs going on now. */
  readonly active: number
  /** Runs waiting for their turn. */
  readonly waiting: number
}

/** A bound on the runs waiting their turn (see {@link createConcurrencyLimit}). */
export interface WaitingLimit {
  /** At most this many runs wait at once (0 or more); a run asked for beyond is refused at once. */
  readonly maxWaiting: number
  /** The error a refused run rejects with (it says what to do). */
  readonly whenFull: () => Error
}

/**
 * A limit of `max` runs at once (1 or more): a run asked for while `max` are going on waits for
 * one of them to settle (fulfilled or rejected), first asked first served. What waits is only the
 * function to call, so a burst costs a queue entry each until its turn, not a run's memory. With
 * `waiting`, a run asked for while `waiting.maxWaiting` already wait is not queued: it rejects at
 * once with `waiting.whenFull()` and its function is never called.
 *
 * @example const drawing = createConcurrencyLimit(2); await Promise.all(charts.map((c) => drawing(() => draw(c))))
 */
export function createConcurrencyLimit(max: number, waiting?: WaitingLimit): ConcurrencyLimit {
  const limit = Math.max(1, Math.floor(max))
  const queue: Array<() => void> = []
  let active = 0
  // A settled run hands its slot straight to the next in line, else frees it.
  const release = () => {
    const next = queue.shift()
    if (next) next()
    else active--
  }
  const run = <T>(work: () => Promise<T>): Promise<T> => {
    let turn: Promise<void>
    if (active < limit) {
      active++
      turn = Promise.resolve()
    } else if (waiting && queue.length >= waiting.maxWaiting) {
      return Promise.reject(waiting.whenFull())
    } else {
      turn = new Promise<void>((resolve) => queue.push(resolve))
    }
    return turn.then(async () => {
      try {
        return await work()
      } finally {
        release()
      }
    })
  }
  return Object.defineProperties(run, {
    active: { get: () => active },
    waiting: { get: () => queue.length },
  }) as ConcurrencyLimit
}
