import { localProcessGone } from './local-process-gone.js'

/**
 * Whether the process named by a job-lock holder is known to be gone: holders name their process
 * as `host:pid`, a `pulse sync` as `cli:host:pid`, `/pulse sync` as `slack:host:pid#run`, a
 * scheduled job as `<instance>#run` with the default instance `host:pid`. Only a process on this
 * machine can be known gone (see {@link localProcessGone}); any holder of another form counts as alive.
 */
export function lockHolderGone(holder: string): boolean {
  const m = /^(?:cli:|slack:)?(.+):(\d+)(?:#.*)?$/.exec(holder)
  return m !== null && Number(m[2]) !== process.pid && localProcessGone(m[1] as string, Number(m[2]))
}
