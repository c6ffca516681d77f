import { driversBlocks } from '../../blocks/report-blocks.js'
import { parseReportArgs } from '../parse-report-args.js'
import type { Subcommand } from '../subcommand.js'
import { filterLabel, namedOwners, reportChartFile, reportQuery } from './report-query.js'

const usage = 'drivers [field=value ...]'

/** `/pulse drivers [field=value ...]`: segments that win or lose more than the rest, with confidence, with its chart. */
export const drivers: Subcommand = {
  name: 'drivers',
  usage,
  summary: 'segments that win or lose more than the rest, with confidence',
  access: 'reports',
  parse(args) {
    const parsed = parseReportArgs(args, false, usage)
    return {
      ownerIds: namedOwners(parsed),
      run: async (run) => {
        const report = await run.ctx.services.drivers(run.ctx.store.db, reportQuery(run, parsed))
        const rendered = driversBlocks(report, `${run.scopeLabel}${filterLabel(parsed)}`)
        return { ...rendered, chart: await reportChartFile(run, 'drivers', report) }
      },
    }
  },
}
