import { lossesBlocks } from '../../blocks/report-blocks.js'
import { parseReportArgs } from '../parse-report-args.js'
import type { Subcommand } from '../subcommand.js'
import { filterLabel, namedOwners, reportChartFile, reportQuery } from './report-query.js'

const usage = 'losses [field=value ...]'

/** `/pulse losses [field=value ...]`: lost deals by the stage they were lost at, with its chart. */
export const losses: Subcommand = {
  name: 'losses',
  usage,
  summary: 'lost deals by the stage they were lost at',
  access: 'reports',
  parse(args) {
    const parsed = parseReportArgs(args, false, usage)
    return {
      ownerIds: namedOwners(parsed),
      run: async (run) => {
        const report = await run.ctx.services.losses(run.ctx.store.db, reportQuery(run, parsed))
        const rendered = lossesBlocks(report, `${run.scopeLabel}${filterLabel(parsed)}`)
        return { ...rendered, chart: await reportChartFile(run, 'losses', report) }
      },
    }
  },
}
