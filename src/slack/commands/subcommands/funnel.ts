import { funnelBlocks } from '../../blocks/report-blocks.js'
import { parseReportArgs } from '../parse-report-args.js'
import type { Subcommand } from '../subcommand.js'
import { filterLabel, namedOwners, reportChartFile, reportQuery } from './report-query.js'

const usage = 'funnel [field=value ...]'

/** `/pulse funnel [field=value ...]`: stage conversion and leakage, with its chart. */
export const funnel: Subcommand = {
  name: 'funnel',
  usage,
  summary: 'stage conversion and leakage',
  access: 'reports',
  parse(args) {
    const parsed = parseReportArgs(args, false, usage)
    return {
      ownerIds: namedOwners(parsed),
      run: async (run) => {
        const report = await run.ctx.services.funnel(run.ctx.store.db, reportQuery(run, parsed))
        const rendered = funnelBlocks(report, `${run.scopeLabel}${filterLabel(parsed)}`)
        return { ...rendered, chart: await reportChartFile(run, 'funnel', report) }
      },
    }
  },
}
