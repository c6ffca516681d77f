import { winrateBlocks } from '../../blocks/report-blocks.js'
import { parseReportArgs } from '../parse-report-args.js'
import type { Subcommand } from '../subcommand.js'
import { filterLabel, namedOwners, reportChartFile, reportQuery } from './report-query.js'

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
        const report = await run.ctx.services.winrate(run.ctx.store.db, {
          ...reportQuery(run, parsed),
          ...(parsed.months ? { months: parsed.months } : {}),
        })
        const rendered = winrateBlocks(report, `${run.scopeLabel}${filterLabel(parsed)}`)
        return { ...rendered, chart: await reportChartFile(run, 'winrate', report) }
      },
    }
  },
}
