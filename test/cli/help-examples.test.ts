import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { buildProgram } from '../../src/cli/main.js'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/test-store.js'

/** Every example line of every command's --help, as printed (`pulse ...`). */
function helpExamples(): string[] {
  const program = buildProgram({ out: () => {}, err: () => {}, errIsTty: false })
  const lines: string[] = []
  const visit = (cmd: Command) => {
    for (const sub of cmd.commands) {
      let help = ''
      sub.configureOutput({ writeOut: (s) => (help += s), writeErr: (s) => (help += s) })
      sub.outputHelp()
      const examples = help.split(/Examples?:\n/)[1] ?? ''
      lines.push(
        ...examples
          .split('\n')
          .filter((l) => l.startsWith('  pulse '))
          .map((l) => l.trim()),
      )
      visit(sub)
    }
  }
  visit(program)
  return [...new Set(lines)]
}

/** The words a POSIX shell makes of `line` (double quotes and a trailing `# comment` only, as the examples use). */
function shellWords(line: string): string[] {
  const words: string[] = []
  for (const m of line.replace(/\s+#.*$/, '').matchAll(/(?:[^\s"]+|"[^"]*")+/g)) words.push(m[0].replaceAll('"', ''))
  return words
}

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
    // `pulse --help` too: the first help a new user reads.
    let top = ''
    program.configureOutput({ writeOut: (s) => (top += s), writeErr: (s) => (top += s) })
    program.outputHelp()
    if (!/Examples?:\n {2}pulse /.test(top)) missing.push('pulse')
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

  it('has examples a shell can run as pasted: no bracketed notes, only # comments', () => {
    const unsafe = helpExamples().filter((l) => /[()]/.test(l.replace(/\s+#.*$/, '')))
    expect(unsafe).toEqual([])
  })

  it('runs the examples that name the demo database on what pulse demo writes', async () => {
    const dir = tempDir()
    const db = join(dir, 'demo.db')
    const demo = await runCli('demo', '--db', db, '--out', join(dir, 'out'))
    expect(demo.code, demo.stderr).toBe(0)
    const examples = helpExamples().filter((l) => l.includes('data/demo.db'))
    expect(examples.length).toBeGreaterThanOrEqual(3)
    for (const example of examples) {
      const args = shellWords(example)
        .slice(1)
        .map((w) => (w === 'data/demo.db' ? db : w))
      const run = await runCli(...args)
      expect(run.code, `${example}\n${run.stderr}`).toBe(0)
      expect(run.stdout, example).not.toMatch(/^(No |There are no )/m)
    }
  }, 60_000)
})
