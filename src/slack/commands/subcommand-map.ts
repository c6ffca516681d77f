import { dropInvisible } from '../../domain/drop-invisible.js'
import { esc } from '../blocks/format.js'
import type { Subcommand } from './subcommand.js'
import { deal } from './subcommands/deal.js'
import { drivers } from './subcommands/drivers.js'
import { funnel } from './subcommands/funnel.js'
import { help, setHelpLines } from './subcommands/help.js'
import { losses } from './subcommands/losses.js'
import { stalled } from './subcommands/stalled.js'
import { status } from './subcommands/status.js'
import { sync } from './subcommands/sync.js'
import { winrate } from './subcommands/winrate.js'

/**
 * Every `/pulse` subcommand by name. A `Map`, so `/pulse toString` or `/pulse __proto__` finds
 * nothing instead of reaching `Object.prototype`.
 */
export const SUBCOMMANDS: ReadonlyMap<string, Subcommand> = new Map(
  [help, winrate, losses, funnel, drivers, stalled, deal, status, sync].map((s) => [s.name, s] as const),
)

setHelpLines([...SUBCOMMANDS.values()].map((s) => `• \`/pulse ${esc(s.usage)}\`: ${s.summary}`))

/**
 * Splits `/pulse` text into the subcommand name (lower-case; `help` when empty) and its arguments.
 * Invisible characters that text copied from a web page or a document can carry (zero-width
 * space, word joiner, byte-order mark) are dropped: `winrate\u200b` is `winrate`.
 */
export function parseCommandText(text: string): { name: string; args: string[] } {
  const words = dropInvisible(text)
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0)
  const [first, ...args] = words
  return { name: (first ?? 'help').toLowerCase(), args }
}
