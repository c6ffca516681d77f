import { readdirSync, readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { buildProgram } from '../../src/cli/main.js'

// Every `pulse ...` a user can copy from the README and docs/ names a command and options that exist.
const root = new URL('../../', import.meta.url)
const FILES = [
  'README.md',
  ...readdirSync(new URL('docs/', root))
    .filter((f) => f.endsWith('.md') && f !== 'bench.md')
    .map((f) => `docs/${f}`),
]

/** `pulse ...` snippets: backtick spans and lines of fenced code blocks (never `/pulse`, the Slack command). */
function snippets(text: string): string[] {
  const out: string[] = []
  const code = /```[a-z]*\n([\s\S]*?)```/g
  for (const block of text.matchAll(code)) out.push(...(block[1] ?? '').split('\n').map((l) => l.replace(/\s#.*$/, '')))
  const prose = text.replace(code, '')
  for (const span of prose.matchAll(/`([^`]+)`/g)) out.push((span[1] ?? '').replace(/\s+/g, ' '))
  return out.flatMap((s) => {
    const at = s.search(/(?<![/\w-])pulse (?=[a-z<-])/)
    return at === -1 ? [] : [s.slice(at + 'pulse '.length)]
  })
}

function optionsOf(cmds: readonly Command[]): Set<string> {
  return new Set(['--help', '--version', ...cmds.flatMap((c) => c.options.map((o) => o.long ?? ''))])
}

describe('commands shown in the README and docs/', () => {
  const program = buildProgram({ out: () => {}, err: () => {}, errIsTty: false })
  const found: string[] = []
  const problems: string[] = []
  for (const file of FILES) {
    for (const snippet of snippets(readFileSync(new URL(file, root), 'utf8'))) {
      const words = snippet.split(' ').filter((w) => w !== '')
      const first = (words[0] ?? '').replace(/[,.;:]$/, '')
      if (first.startsWith('--') || first.startsWith('<')) {
        if (first.startsWith('--') && !optionsOf([program]).has(first)) problems.push(`${file}: pulse ${snippet}`)
        continue
      }
      const command = program.commands.find((c) => c.name() === first)
      if (!command) {
        problems.push(`${file}: pulse ${snippet} (no command "${first}")`)
        continue
      }
      let targets: Command[] = [command]
      if (command.commands.length > 0) {
        const names = (words[1] ?? '').split(/\\?\|/)
        const subs = command.commands.filter((c) => names.includes(c.name()))
        if (subs.length > 0) targets = subs
        else if (/^[a-z]+$/.test(words[1] ?? '')) problems.push(`${file}: pulse ${snippet} (no subcommand "${words[1]}")`)
        else targets = [...command.commands]
      }
      const known = optionsOf(targets)
      for (const option of snippet.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)) {
        if (!known.has(option[0])) problems.push(`${file}: pulse ${snippet} (no option ${option[0]})`)
      }
      found.push(`${file}: pulse ${snippet}`)
    }
  }

  it('are found (the check reads them)', () => {
    expect(found.length).toBeGreaterThan(30)
    expect(found.some((f) => f.includes('report winrate'))).toBe(true)
  })

  it('name only commands, subcommands and options the CLI has', () => {
    expect(problems).toEqual([])
  })
})
