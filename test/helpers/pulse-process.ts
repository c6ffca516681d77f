import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { pathToFileURL } from 'node:url'

/** tsx's loader by its full path, so a child started in another folder finds it. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

/** A TCP port free on 127.0.0.1 right now, for a child `pulse serve` to listen on. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

/** A `pulse` command running in a child process; the texts grow as it writes. */
export interface PulseProcess {
  readonly child: ChildProcess
  stdout: string
  stderr: string
  /** Both streams, in the order they arrived. */
  output: string
  /** The signal that ended it, once it has ended by one. */
  signal: NodeJS.Signals | null
  /** The exit code (null when a signal ended it), once both streams have been read to their end. */
  readonly exited: Promise<number | null>
}

/**
 * Starts `pulse ARGS` from the TypeScript sources (through tsx) in a child process, with `env` on
 * top of this process's environment, in `options.cwd` (default this process's folder). The exit
 * code is what the CLI's `main` returns, or what the command itself exits with.
 */
export function spawnPulse(args: readonly string[], env: Record<string, string> = {}, options: { cwd?: string } = {}): PulseProcess {
  const main = JSON.stringify(new URL('../../src/cli/main.ts', import.meta.url).href)
  const child = spawn(
    process.execPath,
    [
      '--import',
      TSX,
      '-e',
      `import(${main}).then(async (m) => { process.exitCode = await m.main(['node', 'pulse', ...${JSON.stringify(args)}]) })`,
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd: options.cwd },
  )
  const run: PulseProcess = {
    child,
    stdout: '',
    stderr: '',
    output: '',
    signal: null,
    exited: new Promise((resolve) =>
      child.on('close', (code, signal) => {
        run.signal = signal
        if (signal) run.stderr += `\n[ended by ${signal}]`
        resolve(code)
      }),
    ),
  }
  child.stdout?.on('data', (d) => {
    run.stdout += String(d)
    run.output += String(d)
  })
  child.stderr?.on('data', (d) => {
    run.stderr += String(d)
    run.output += String(d)
  })
  return run
}
