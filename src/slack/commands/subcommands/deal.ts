import { unquote } from '../../../domain/unquote.js'
import { AppError } from '../../../errors.js'
import { authorize, scopeOwnerIds } from '../../access/authorize.js'
import { section } from '../../blocks/block-kit.js'
import { dealAmount, esc, escName } from '../../blocks/format.js'
import { dealBlocks } from '../../blocks/report-blocks.js'
import type { Subcommand } from '../subcommand.js'

const usage = 'deal <deal id or name>'

/** Deals a name search counts before it says "more than". */
const MAX_MATCHES = 20

/** Deals a name search lists. */
const LISTED = 8

/**
 * The line after a name search's list saying how many matches it leaves out (`found` counts up to
 * one past {@link MAX_MATCHES}), as every list in an answer does; empty when it lists them all.
 * @example moreMatches(12) // '\n…and 4 more deals: add more of the name, or ask by id'
 */
function moreMatches(found: number): string {
  if (found <= LISTED) return ''
  const more = found > MAX_MATCHES ? `at least ${MAX_MATCHES + 1 - LISTED}` : String(found - LISTED)
  return `\n…and ${more} more deals: add more of the name, or ask by id`
}

/**
 * `/pulse deal <id or name>`: one deal's health score and reasons. Deals outside the asker's
 * scope are treated exactly like deals that do not exist, so the answer never reveals them.
 */
export const deal: Subcommand = {
  name: 'deal',
  usage,
  summary: "one deal's health score and the reasons behind it",
  access: 'reports',
  parse(args) {
    const query = unquote(args.join(' ').trim())
    if (query === '') throw new AppError('bad_input', `Which deal? Usage: /pulse ${usage}`)
    return {
      run: async (run) => {
        // One more than counted, to know whether there are more.
        const found = await run.ctx.services.findDeals(run.ctx.store.db, query, run.asOf, MAX_MATCHES + 1, scopeOwnerIds(run.scope))
        const visible = found.filter((d) => authorize(run.viewer, { kind: 'deal', ownerId: d.ownerId }).allowed)
        const first = visible[0]
        if (!first) throw new AppError('not_found', `No deal you can see matches "${query}". Check the id or name, or try /pulse stalled.`)
        if (visible.length === 1 || first.dealId === query) {
          // A score stored for another day, or before a CSV import rewrote the deal, is computed
          // again, so its reasons match the days idle shown (and `pulse deal`).
          const health =
            first.health === null
              ? undefined
              : (await run.ctx.services.dealHealth(run.ctx.store.db, [first.dealId], run.asOf)).get(first.dealId)
          return { ...dealBlocks(health ? { ...first, health } : first), shareable: true }
        }
        const lines = visible
          .slice(0, LISTED)
          .map((d) => `• *${escName(d.dealName ?? d.dealId)}* (\`${esc(d.dealId)}\`) ${dealAmount(d)}, ${escName(d.stage)}`)
        const matching = visible.length > MAX_MATCHES ? `More than ${MAX_MATCHES}` : String(visible.length)
        return {
          text: `${matching} deals match "${esc(query)}"`,
          blocks: [
            section(`${matching} deals match "${esc(query)}". Ask for one by id:\n${lines.join('\n')}${moreMatches(visible.length)}`),
          ],
          shareable: false,
        }
      },
    }
  },
}
