import { hostname } from 'node:os'

/**
 * Whether the process `pid` on `host` is known to be gone: `host` is this machine and no process
 * has that pid (any other answer, including a process we may not signal, counts as alive). Lock
 * holders are named `host:pid`, so a lock left by a killed local process can be taken over.
 */
export function localProcessGone(host: string, pid: number): boolean {
  if (host !== hostname()) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
