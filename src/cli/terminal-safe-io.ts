import type { CliIo } from './cli-options.js'

// Control characters but tab and newline: C0 (escape, carriage return, bell, ...), DEL and C1.
const CONTROL = /[^\P{Cc}\t\n]/gu

/**
 * `io` writing what a CSV, a CRM or a user put in a name as text a terminal shows rather than
 * obeys: each control character but tab and newline (an escape sequence's ESC, a carriage return
 * that would write over the line, a bell) is written as its `\u001b` escape, which in `--json`
 * output is the same JSON string. The terminal's title, colours, screen and clipboard stay as
 * they were, whatever a deal is named.
 *
 * @example terminalSafeIo(io).out('Acme \x1b[2J') // writes "Acme \u001b[2J"
 */
export function terminalSafeIo(io: CliIo): CliIo {
  const shown = (text: string) => text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return { out: (text) => io.out(shown(text)), err: (text) => io.err(shown(text)), errIsTty: io.errIsTty }
}
