import { hostname } from 'node:os'
import { formatCount, formatCountOf } from '../../analytics/format-figures.js'
import { commandUser } from '../../config.js'
import { findJobLock } from '../../db/acquire-job-lock.js'
import { interruptSyncRuns } from '../../db/begin-sync-run.js'
import { crmName } from '../../domain/crm-name.js'
import { AppError } from '../../errors.js'
import { holdSyncLock } from '../../ingest/hold-sync-lock.js'
import { createConfiguredSource, refreshAfterSync, type SyncSummary, syncCrm } from '../../ingest/sync-crm.js'
import { cliConfig, emit, usingStore } from '../cli-context.js'
import type { CliIo } from '../cli-options.js'
import { stderrNotes } from '../stderr-notes.js'
import type { registerSyncCommand, SyncOptions } from './sync-command.js'

/** Runs `pulse sync` with what Commander parsed: the work behind {@link registerSyncCommand}. */
export async function runSyncCommand(options: SyncOptions, io: CliIo): Promise<void> {
  // `HubSpot` and `Salesforce`, as people write them, are the same CRMs.
  const named = options.source?.trim().toLowerCase()
  if (named !== undefined && named !== 'hubspot' && named !== 'salesforce') {
    throw new AppError('bad_input', `--source "${options.source}" is not a CRM we sync from; use --source hubspot or --source salesforce.`)
  }
  // Before the store is opened: a CRM not configured must not leave a new, empty database behind.
  // Rate-limit waits and retries are told on stderr, so a long pause does not look like a hang.
  const config = cliConfig(io)
  const source = createConfiguredSource(config, named as 'hubspot' | 'salesforce' | undefined, {
    logger: stderrNotes(io),
  })
  const summary = await usingStore(
    options,
    async (store) => {
      // The scheduled sync and `/pulse sync` take the same lock: one sync at a time per database.
      // Its short lease is renewed while the sync runs, however long that is; the lock of a
      // `pulse sync` on this machine that was killed (kill -9, a crash) is taken over at once.
      const hold = await holdSyncLock(store.db, `cli:${hostname()}:${process.pid}`)
      if (!hold) {
        const held = await findJobLock(store.db, 'sync')
        throw new AppError(
          'not_allowed',
          `A sync is already running (the scheduler or another \`pulse sync\`${held ? `, held by ${held.holder} until ${held.expiresAt}` : ''}). Try again when it has finished.`,
        )
      }
      // Stopped by Ctrl-C or a TERM: record the run as interrupted (pulse status would otherwise
      // show it running until the next sync) and give the lock back (else a scheduled sync on
      // another machine waits out its lease); an unfinished page is rolled back with the process.
      let stored = { pages: 0, deals: 0 }
      const stopOnInterrupt = (signal: NodeJS.Signals) => {
        io.err('\nSync interrupted: the pages stored so far are kept; the next `pulse sync` resumes from there.')
        const exit = () => process.exit(signal === 'SIGTERM' ? 143 : 130)
        setTimeout(exit, 2000).unref()
        const by = signal === 'SIGINT' ? 'Ctrl-C (SIGINT)' : signal
        const message = `Stopped by ${by} after ${formatCountOf(stored.pages, 'page')} (${formatCountOf(stored.deals, 'deal')}); the next sync resumes from there.`
        interruptSyncRuns(store.db, source.name, new Date(), message)
          .catch(() => undefined)
          .then(() => hold.release())
          .then(exit, exit)
      }
      process.once('SIGINT', stopOnInterrupt)
      process.once('SIGTERM', stopOnInterrupt)
      let last = 0
      try {
        io.err(`Syncing from ${crmName(source.name)}${options.full ? ' (full)' : ''}...`)
        const result = await syncCrm(store, source, {
          full: options.full,
          startedBy: commandUser() ?? 'cli',
          onProgress: (note, totals) => {
            stored = totals
            const now = Date.now()
            if (now - last < 1000) return
            last = now
            io.err(`  ${formatCountOf(totals.deals, 'deal')} stored over ${formatCountOf(totals.pages, 'page')} (${note})`)
          },
        })
        if (await refreshAfterSync(store, result)) io.err('Report summaries rebuilt.')
        return result
      } finally {
        process.off('SIGINT', stopOnInterrupt)
        process.off('SIGTERM', stopOnInterrupt)
        await hold.release()
      }
    },
    { io },
  )
  emit(io, options, summary, () => formatSyncSummary(summary, summary.source === 'hubspot' ? config.hubspot.pipeline : undefined))
}

/** The sync summary a person reads; `pipeline`: the one pipeline the sync was limited to (`HUBSPOT_PIPELINE`). */
export function formatSyncSummary(s: SyncSummary, pipeline?: string): string {
  return (
    `Synced ${crmName(s.source)} (${s.mode}${pipeline === undefined ? '' : `, pipeline "${pipeline}" only`}) in ${s.seconds.toFixed(1)} s: ${formatCountOf(s.deals, 'deal')} stored, ` +
    `${formatCount(s.removed)} removed (archived or deleted${pipeline === undefined ? '' : ', or in another pipeline'}), ${formatCountOf(s.owners, 'owner')}, ${formatCountOf(s.stages, 'stage')}, over ${formatCountOf(s.pages, 'page')}. Sync run ${s.runId}.` +
    (s.notes ?? []).map((note) => `\nNote: ${note}`).join('')
  )
}
