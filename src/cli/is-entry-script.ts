import { realpathSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Whether the module at `moduleUrl` is the script Node.js was started with (`script`, as
 * `process.argv[1]`), symlinks followed: true for `node dist/src/cli/main.js ...`, false when
 * `bin/pulse.js`, a test or `node -e` imports it.
 */
export function isEntryScript(moduleUrl: string, script: string | undefined): boolean {
  if (script === undefined || script === '') return false
  try {
    return realpathSync(fileURLToPath(moduleUrl)) === realpathSync(resolve(script))
  } catch {
    return false
  }
}
