import { AppError } from '../../../errors.js'
import { section } from '../../blocks/block-kit.js'
import { esc } from '../../blocks/format.js'
import { refreshHomeTabs } from '../../home/refresh-home-tabs.js'
import type { Subcommand } from '../subcommand.js'

/**
 * `/pulse sync` (admins): pull from the CRM now and answer with what came in; the Home tabs are
 * republished after the answer (Slack takes about 100 views a minute, so a large workspace would
 * otherwise keep the admin waiting for minutes).
 */
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
        void refreshHomeTabs(run.ctx, run.client).catch((error: unknown) =>
          run.ctx.logger.warn({ err: error }, 'Home tabs could not be republished after /pulse sync'),
        )
        const text = `${summary} The Home tabs are being refreshed.`
        return { text, blocks: [section(`:arrows_counterclockwise: ${esc(text)}`)], shareable: false }
      },
    }
  },
}
