import { describe, expect, it } from 'vitest'
import { buildProgram } from '../../src/cli/main.js'

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
})
