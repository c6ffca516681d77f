import { formatCount, formatCountOf, formatDeals } from '../../analytics/format-figures.js'
import { AppError } from '../../errors.js'
import { type SampleSummary, writeSampleFiles } from '../../sample/write-sample-files.js'
import { resolveAsOf } from '../cli-context.js'
import type { CliIo } from '../cli-options.js'
import { parseWholeNumber } from '../parse-whole-number.js'
import { shellArg } from '../shell-arg.js'
import type { registerSampleCommand, SampleCommandOptions } from './sample-command.js'

/** Runs `pulse sample` with what Commander parsed: the work behind {@link registerSampleCommand}. */
export async function runSampleCommand(options: SampleCommandOptions, io: CliIo): Promise<void> {
  const deals = parseWholeNumber(options.deals, '--deals', { min: 1, max: 50_000_000, example: '--deals 6000' })
  // `None` or `NONE` as typed: the two values differ by more than case.
  const patterns = options.patterns.trim().toLowerCase()
  if (patterns !== 'planted' && patterns !== 'none') {
    throw new AppError(
      'bad_input',
      `--patterns "${options.patterns}" is not known; use --patterns none (or leave it out for the planted story).`,
    )
  }
  const asOf = resolveAsOf({ asOf: options.asOf })
  let summary: SampleSummary
  try {
    summary = writeSampleFiles({ out: options.out, deals, seed: options.seed, asOf, patterns })
  } catch (error) {
    if (error instanceof AppError) throw error
    throw new AppError('bad_file', `Cannot write ${options.out}: ${(error as Error).message}. Check the folder exists and is writable.`, {
      cause: error,
    })
  }
  io.out(
    options.json
      ? JSON.stringify(summary, null, 2)
      : [
          `Wrote ${formatDeals(summary.deals)} (${formatCount(summary.won)} won, ${formatCount(summary.lost)} lost, ${formatCount(summary.open)} open; ${formatCountOf(summary.owners, 'owner')}) as of ${summary.asOf} to ${summary.csv}` +
            ` (seed ${summary.seed}, patterns ${summary.patterns}).`,
          `True win probabilities and future outcomes: ${summary.truth}`,
          `Roster for PULSE_ROSTER: ${summary.roster}`,
          `Next: pulse ingest --csv ${shellArg(summary.csv)}`,
        ].join('\n'),
  )
}
