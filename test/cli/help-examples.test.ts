import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { buildProgram } from '../../src/cli/main.js'
import { runCli } from '../helpers/run-cli.js'

describe('pulse --help', () => {
  it('shows an example in the help of every command and subcommand', () => {
    const io = { out: () => {}, err: () => {}, errIsTty: false }
    const program = buildProgram(io)
    const missing: string[] = []
    const visit = (cmd: typeof program, path: string) => {
      for (const sub of cmd.commands) {
        const name = `${path} ${sub.name()}`.trim()
        let help = ''
        sub.configureOutput({ writeOut: (s) => (help += s), writeErr: (s) => (help += s) })
        sub.outputHelp()
        if (!/Examples?:\n {2}pulse /.test(help)) missing.push(name)
        visit(sub, name)
      }
    }
    visit(program, '')
    expect(missing).toEqual([])
  })

  it('prints the package version with --version and -V', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    for (const flag of ['--version', '-V']) {
      const run = await runCli(flag)
      expect(run).toMatchObject({ code: 0, stdout: `${version}\n` })
    }
  })

  it('hides a secret that an error message quotes', async () => {
    const run = await runCli('ingest', '--csv', 'postgres://pulse:hunter2-secret@db.internal/pulse')
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('db.internal')
    expect(run.stderr).not.toContain('hunter2-secret')
  })
})
