import { AppError } from '../../../errors.js'
import { section } from '../../blocks/block-kit.js'
import { esc } from '../../blocks/format.js'
import { refreshHomeTabs } from '../../home/refresh-home-tabs.js'
import type { Subcommand } from '../subcommand.js'

/** `/pulse sync` (admins): pull from the CRM now, then republish the Home tabs. */
export const sync: Subcommand = {
  name: 'sync',
  usage: 'sync',
  summary: 'pull changes from the CRM now (admins)',
  access: 'admin',
  parse(args) {
    if (args.length > 0) throw new AppError('bad_input', 'sync takes no arguments. Usage: /pulse sync')
    return {
      run: async (run) => {
        const summary = await run.ctx.services.sync()
        await refreshHomeTabs(run.ctx, run.client)
        return { text: summary, blocks: [section(`:arrows_counterclockwise: ${esc(summary)}`)], shareable: false }
      },
    }
  },
}
