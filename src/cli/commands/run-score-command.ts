import { closedSinceLeftOut } from '../../analytics/closed-since-sentence.js'
import { formatDeals, formatWholePercent } from '../../analytics/format-figures.js'
import { terminalWidth } from '../../analytics/terminal-width.js'
import { todayOf } from '../../config.js'
import { type ScoreReport, scoreOpenDeals } from '../../services/score-open-deals.js'
import { cliConfig, dbOptionOf, emit, noteFutureAsOf, resolveAsOf, usingStore } from '../cli-context.js'
import type { CliIo } from '../cli-options.js'
import { listLimit } from '../parse-whole-number.js'
import { DEFAULT_SCORE_LIMIT, type registerScoreCommand, type ScoreOptions } from './score-command.js'

/** Runs `pulse score` with what Commander parsed: the work behind {@link registerScoreCommand}. */
export async function runScoreCommand(options: ScoreOptions, io: CliIo): Promise<void> {
  const limit = listLimit(options.limit, options.json, DEFAULT_SCORE_LIMIT, '--limit 10 (0 lists all)')
  const { report, today } = await usingStore(
    options,
    async (store, config) => {
      const asOf = resolveAsOf(options, config)
      noteFutureAsOf(io, asOf, config)
      // The stored scores are the live ones (Slack, the Home tab, DMs): a look back or ahead
      // with --as-of is shown, not stored over them.
      const today = todayOf(config)
      return {
        report: await scoreOpenDeals(store, {
          asOf,
          idleDays: config.idleDays,
          save: asOf === today,
          today,
          dbOption: dbOptionOf(options, config),
        }),
        today,
      }
    },
    { existing: true, io, needsDeals: true },
  )
  const stored = report.asOf === today
  emit(io, options, { ...scoreJson(report, limit), stored }, () =>
    formatScoreReport(report, limit, stored ? null : today, dbOptionOf(options, cliConfig())),
  )
}

/**
 * The `--json` shape: contract.md `score` (`{ modelId, asOf, deals: [{ dealId, winProbability, healthScore, reasons }] }`)
 * plus details. `deals` holds the `limit` least healthy (0: all); `scoredCount` counts every open deal scored.
 */
export function scoreJson(r: ScoreReport, limit = 0): Record<string, unknown> {
  return {
    modelId: r.modelId,
    asOf: r.asOf,
    deals: (limit === 0 ? r.deals : r.deals.slice(0, limit)).map((d) => ({
      dealId: d.dealId,
      winProbability: d.winProbability,
      healthScore: d.healthScore,
      reasons: d.reasons,
      basis: d.basis,
      daysIdle: d.daysIdle,
      daysInStage: d.daysInStage,
    })),
    scoredCount: r.deals.length,
    informative: r.informative,
    verdict: r.verdict,
    closedSince: r.closedSince,
    plannedCloses: r.plannedCloses,
    ...(r.shiftNote === undefined ? {} : { shiftNote: r.shiftNote }),
    ...(r.modelNote === undefined ? {} : { modelNote: r.modelNote }),
  }
}

/**
 * The `limit` least healthy deals (0: all) with their reasons, after a line on what the
 * probabilities are. With `notStoredToday` (the scores were not stored because they are as of
 * another day than that one), a line says so, naming the \`pulse score\` that stores today's with
 * `dbOption` (\` --db PATH\`, or empty for the default database).
 */
export function formatScoreReport(r: ScoreReport, limit: number, notStoredToday: string | null = null, dbOption = ''): string {
  const lines = [`Scored ${formatDeals(r.deals.length, 'open')} as of ${r.asOf} with model ${r.modelId}.`]
  if (notStoredToday !== null)
    lines.push(
      `Not stored: these scores are as of ${r.asOf}, not today (${notStoredToday}), so the scores Slack shows are unchanged. Run \`pulse score${dbOption}\` without --as-of to store today's.`,
    )
  if (r.modelNote !== undefined) lines.push(r.modelNote)
  lines.push(
    r.informative
      ? `Win probabilities come from the model. ${r.verdict}${r.shiftNote === undefined ? '' : ` ${r.shiftNote}`}`
      : `WIN PROBABILITIES BELOW ARE SEGMENT BASE RATES, NOT PREDICTIONS. ${r.verdict}`,
  )
  if (r.closedSince > 0)
    lines.push(
      `${closedSinceLeftOut(r.closedSince, r.plannedCloses, ` open on ${r.asOf}`, 'scored')}: the store keeps each deal as it is now, not as it was then.`,
    )
  if (r.deals.length === 0) return [...lines, 'There are no open deals to score.'].join('\n')
  const shown = limit === 0 ? r.deals.length : Math.min(limit, r.deals.length)
  lines.push('', `Least healthy ${shown} (health 0-100, ${r.informative ? 'win probability' : 'segment win rate'}):`)
  // Health figures in one column on a terminal, whatever the deal ids' lengths.
  const idWidth = Math.max(...r.deals.slice(0, shown).map((d) => terminalWidth(d.dealId)))
  for (const d of r.deals.slice(0, shown)) {
    lines.push(
      `  ${d.dealId}${' '.repeat(idWidth - terminalWidth(d.dealId))}  health ${String(d.healthScore).padStart(3)}  ${r.informative ? 'win' : 'segment'} ${formatWholePercent(d.winProbability).padStart(4)}`,
    )
    for (const reason of d.reasons) lines.push(`      - ${reason}`)
  }
  if (shown < r.deals.length) lines.push('', `... ${r.deals.length - shown} more (use --limit 0 to list all)`)
  return lines.join('\n')
}
