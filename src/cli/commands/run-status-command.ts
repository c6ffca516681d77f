import { formatCount, formatCountOf, formatUtcMinute } from '../../analytics/format-figures.js'
import type { JobRun } from '../../db/begin-job-run.js'
import type { SyncRun } from '../../db/begin-sync-run.js'
import { findSyncStatus, type SyncStatus } from '../../db/find-sync-status.js'
import { findSlackTokenRefusal } from '../../db/slack-token-refusals.js'
import { configuredStages } from '../../services/configured-stages.js'
import { findStageOrderInUse, type StageOrderInUse, stageOrderSentence } from '../../services/stage-order-in-use.js'
import { botTokenHash, tokenRefusalWords } from '../../slack/app/bot-token-refusal.js'
import { describeRefusals, refusedTo } from '../../slack/outbox/describe-refusals.js'
import { slackRefusalFix } from '../../slack/outbox/slack-refusal-fix.js'
import { cliConfig, dbOptionOf, emit, usingStore } from '../cli-context.js'
import type { CliIo, CommonOptions } from '../cli-options.js'

/** Runs `pulse status` with its parsed `options`: reads the store's status and prints it as text or JSON. */
export async function runStatusCommand(options: CommonOptions, io: CliIo): Promise<void> {
  const status = await usingStore(
    options,
    async (store, config): Promise<CliStatus> => {
      // Only a refusal of the token configured now pauses sending; one of an older token is history.
      const refusal = config.slack.botToken ? await findSlackTokenRefusal(store.db, botTokenHash(config)) : null
      // A sync whose process was killed outright shows as interrupted, not running.
      const found = await findSyncStatus(store.db)
      const stageOrder = await findStageOrderInUse(store.db, await configuredStages(store, config), config.stages)
      return {
        ...found,
        stageOrder,
        // Each reason Slack refused messages for, with what to do about it where they were going (DMs or the alert channel).
        messages: {
          ...found.messages,
          refused: found.messages.refused.map((r) => ({ ...r, fix: slackRefusalFix(r.reason, refusedTo(r)) })),
        },
        slackPaused: refusal && { reason: refusal.reason, since: refusal.refusedAt, checkedAt: refusal.checkedAt },
      }
    },
    { existing: true, io },
  )
  emit(io, options, statusJson(status), () => formatStatus(status, dbOptionOf(options, cliConfig())))
}

/** What `pulse status` prints: the store's status, and whether Slack refuses the configured bot token. */
export interface CliStatus extends SyncStatus {
  /** Set while Slack refuses `SLACK_BOT_TOKEN` (scheduled sending is paused): Slack's reason, since when (ISO), last checked. */
  slackPaused?: { reason: string; since: string; checkedAt: string } | null
  /** The stage order reports use, where it came from, and whether `PULSE_STAGES` names another not yet saved. */
  stageOrder?: StageOrderInUse
}

/**
 * The status as `pulse status --json` gives it: each of `messages.refused` has `reason`, `count`,
 * `dealIds`, `digests` and `fix` (how many were win-rate alerts is said by the text and the fix).
 */
export function statusJson(
  s: CliStatus,
): Omit<CliStatus, 'messages'> & { messages: Omit<CliStatus['messages'], 'refused'> & { refused: RefusedJson[] } } {
  return { ...s, messages: { ...s.messages, refused: s.messages.refused.map(({ alerts: _alerts, ...r }) => r) } }
}

type RefusedJson = Omit<CliStatus['messages']['refused'][number], 'alerts'>

/** The status as terminal text; `dbOption` (` --db PATH`, or empty) follows the commands it suggests. */
export function formatStatus(s: CliStatus, dbOption = ''): string {
  const bySource = Object.entries(s.deals.bySource)
    .map(([k, v]) => `${k} ${formatCount(v)}`)
    .join(', ')
  const lines = [
    `Data: ${formatCountOf(s.deals.total, 'deal')}${bySource ? ` (${bySource})` : ''}: ${formatCount(s.deals.open)} open, ${formatCount(s.deals.won)} won, ${formatCount(s.deals.lost)} lost; ${formatCountOf(s.owners, 'owner')}; ${formatCountOf(s.stageHistoryRows, 'stage history row')}.`,
  ]
  if (s.stageOrder) lines.push(stageOrderSentence(s.stageOrder))
  const i = s.lastImport
  lines.push(
    i === null
      ? `Last import: none yet (run \`pulse ingest --csv FILE${dbOption}\`).`
      : `Last import: ${i.file ?? '(no file)'} ${i.status} ${formatUtcMinute(i.startedAt)}: ${formatCountOf(i.read, 'row')} read, ${formatCount(i.inserted)} new, ${formatCount(i.updated)} updated, ${i.staysKeptFromStore > 0 ? `${formatCount(i.staysKeptFromStore)} kept as stored (older than the store), ` : ''}${formatCount(i.rejected)} rejected.`,
  )
  lines.push(s.lastSyncs.length === 0 ? `Last syncs: none yet (run \`pulse sync${dbOption}\`).` : 'Last syncs:')
  for (const r of s.lastSyncs) lines.push(`  ${formatSyncRun(r)}`)
  lines.push(formatMessages(s.messages))
  if (s.slackPaused)
    lines.push(
      `Slack sending paused since ${formatUtcMinute(s.slackPaused.since)}: Slack no longer accepts SLACK_BOT_TOKEN (${tokenRefusalWords(s.slackPaused.reason)}). Reinstall the app and set its Bot User OAuth Token in SLACK_BOT_TOKEN; waiting messages go out once Slack accepts it.`,
    )
  if (s.lastJobRuns.length > 0) lines.push('Last run of each job (skipped ticks aside):')
  for (const j of s.lastJobRuns) {
    lines.push(`  ${formatJobRun(j.lastRun)}`)
    if (j.lastFailure && j.lastFailure.run_id !== j.lastRun.run_id)
      lines.push(
        `    last failed ${formatUtcMinute(j.lastFailure.started_at)} on ${j.lastFailure.instance}, no success since: ${j.lastFailure.error ?? 'no reason recorded'}`,
      )
  }
  lines.push(
    s.recentJobs.length === 0
      ? 'Recent job runs: none yet (`pulse serve` runs the schedule).'
      : 'Recent job runs (skipped ticks included):',
  )
  for (const j of s.recentJobs) lines.push(`  ${formatJobRun(j)}`)
  return lines.join('\n')
}

function formatMessages(m: SyncStatus['messages']): string {
  const refused = m.refused.reduce((sum, r) => sum + r.count, 0)
  const week = [
    refused === 0
      ? 'none refused by Slack'
      : `${formatCount(refused)} refused by Slack for good (${m.refused.map((r) => `${r.reason} ${formatCount(r.count)}`).join(', ')})`,
    m.undeliverable === 0 ? '' : `${formatCount(m.undeliverable)} not sent for no owner email or an owner not in Slack`,
    m.dropped === 0 ? '' : `${formatCount(m.dropped)} dropped as no longer needed (the stall ended, or the alert or digest went stale)`,
  ].filter((x) => x !== '')
  const fix =
    refused > 0
      ? ` A refused message is not sent again; by Slack's reason, what to do:\n${describeRefusals(m.refused)
          .map((line) => `  ${line}`)
          .join('\n')}`
      : ''
  const waiting =
    m.waiting === 0
      ? 'none waiting to be sent'
      : `${formatCount(m.waiting)} waiting to be sent (\`pulse serve\` sends them, at the latest at its next start or scheduled run)`
  return `Slack messages: ${waiting}; in the last 7 days ${week.slice(0, -1).join(', ')}${week.length > 1 ? ' and ' : ''}${week.at(-1)}.${fix}`
}

function formatSyncRun(r: SyncRun): string {
  const took = r.finished_at ? ` in ${((Date.parse(r.finished_at) - Date.parse(r.started_at)) / 1000).toFixed(1)} s` : ''
  const error = r.error_message ? `: ${r.error_message}` : ''
  // A run cut short says so in its status and message; it is not counted as an error.
  const errors = r.status === 'interrupted' ? '' : `, ${formatCountOf(r.errors, 'error')}`
  return `${r.source.padEnd(10)} ${r.status.padEnd(11)} ${formatUtcMinute(r.started_at)}${took}, ${r.mode}, ${formatCountOf(r.pages, 'page')}, ${formatCountOf(r.deals, 'deal')}, ${formatCount(r.removed)} removed${errors}${error}`
}

function formatJobRun(j: JobRun): string {
  const error = j.error ? `: ${j.error}` : ''
  return `${formatUtcMinute(j.started_at)}  ${j.job.padEnd(14)} ${j.status.padEnd(8)} ${j.instance}${error}`
}
