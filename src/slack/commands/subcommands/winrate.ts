import { winrateBlocks } from '../../blocks/report-blocks.js'
import { matchReportArgFilters } from '../match-report-arg-filters.js'
import { parseReportArgs } from '../parse-report-args.js'
import type { Subcommand } from '../subcommand.js'
import { filterLabel, namedOwners, reportChartFile, reportQuery, withNotes } from './report-query.js'

const usage = 'winrate [months] [field=value ...]'

/** `/pulse winrate [months] [field=value ...]`: monthly win rate with control limits and its chart. */
export const winrate: Subcommand = {
  name: 'winrate',
  usage,
  summary: 'monthly win rate with its normal range, e.g. `/pulse winrate 12 region=EMEA`',
  access: 'reports',
  parse(args) {
    const parsed = parseReportArgs(args, true, usage)
    return {
      ownerIds: namedOwners(parsed),
      run: async (run) => {
        const { args, notes } = await matchReportArgFilters(run.ctx.store.db, parsed, run.scope)
        const report = await run.ctx.services.winrate(run.ctx.store.db, {
          ...reportQuery(run, args),
          ...(args.months ? { months: args.months } : {}),
        })
        const rendered = withNotes(winrateBlocks(report, `${run.scopeLabel}${filterLabel(args)}`), notes)
        return { ...rendered, chart: await reportChartFile(run, 'winrate', report) }
      },
    }
  },
}
