import { context, section } from '../../blocks/block-kit.js'
import type { Subcommand } from '../subcommand.js'

/** `/pulse help`: every subcommand with its usage (filled in by the subcommand map). */
export const help: Subcommand = {
  name: 'help',
  usage: 'help',
  summary: 'this list',
  access: 'public',
  parse() {
    return { run: async () => helpAnswer() }
  },
}

/**
 * The help text: one line per subcommand, from the map, so it cannot go out of date. `command` is
 * the slash command as the workspace named it (`/salespulse` where `/pulse` was taken), so every
 * line reads as the person can type it.
 */
export function helpAnswer(intro?: string, command = '/pulse'): { text: string; blocks: ReturnType<typeof section>[]; shareable: false } {
  const lines = helpLines.map((line) => line.replace(/\/pulse /g, () => `${command} `))
  const text = `${intro ? `${intro}\n\n` : ''}*Sales Pulse* answers privately; use "Share in channel" to post an answer.\n${lines.join('\n')}`
  return {
    text: text.replace(/\*/g, ''),
    blocks: [section(text), context('Answers cover the deals you may see: all for executives, your team for managers, your own for reps.')],
    shareable: false,
  }
}

const helpLines: string[] = []

/** Sets the help lines (called once by the subcommand map). */
export function setHelpLines(lines: readonly string[]): void {
  helpLines.splice(0, helpLines.length, ...lines)
}
