import { spawn } from 'node:child_process'

/**
 * Runs `script` (an ES module's text) in a fresh Node process with this process's loaders (so it
 * works from `dist/` and under tsx), and parses what it writes on stdout as JSON. Its stderr goes
 * to ours.
 *
 * @throws an Error naming `what` when the process exits with a code other than 0.
 */
export function runModuleScript<T>(script: string, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${what} exited with ${code}`))
      resolve(JSON.parse(out) as T)
    })
  })
}
