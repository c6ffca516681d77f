import { main } from '../../src/cli/main.js'

/** What a CLI run printed and returned. */
export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs `pulse ARGS...` in-process, capturing stdout and stderr. */
export async function runCli(...args: string[]): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const saved = process.exitCode
  process.exitCode = 0
  const code = await main(['node', 'pulse', ...args], {
    out: (t) => {
      stdout += t.endsWith('\n') ? t : `${t}\n`
    },
    err: (t) => {
      stderr += t.endsWith('\n') ? t : `${t}\n`
    },
    errIsTty: false,
  })
  process.exitCode = saved
  return { code, stdout, stderr }
}
