import { formatMoneyIn, formatPercent } from '../../analytics/format-figures.js'
import { todayOf } from '../../config.js'
import { sliceWhole } from '../../domain/slice-whole.js'
import { type DealReport, explainDeal } from '../../services/explain-deal.js'
import { dbOptionOf, emit, noteFutureAsOf, resolveAsOf, usingStore } from '../cli-context.js'
import type { CliIo, CommonOptions } from '../cli-options.js'
import type { registerDealCommand } from './deal-command.js'

/** Runs `pulse deal` with what Commander parsed: the work behind {@link registerDealCommand}. */
export async function runDealCommand(id: string, options: CommonOptions, io: CliIo): Promise<void> {
  const report = await usingStore(
    options,
    // Ids are stored trimmed (the import trims every field): ` D1` from a copy-paste is D1.
    (store, config) => {
      const asOf = resolveAsOf(options, config)
      noteFutureAsOf(io, asOf, config)
      return explainDeal(store, id.trim(), {
        asOf,
        idleDays: config.idleDays,
        dbOption: dbOptionOf(options, config),
        today: todayOf(config),
      })
    },
    { existing: true, io, needsDeals: true },
  )
  emit(io, options, report, () => formatDealReport(report))
}

/** A deal's card as text: what it is, its health and probability (saying what kind), and why. */
export function formatDealReport(d: DealReport): string {
  const lines = [
    `${d.dealId}${d.dealName ? `  ${shownName(d.dealName)}` : ''}`,
    `${d.outcome === 'open' ? d.stage : `closed ${d.outcome}`} · ${d.amountBand === null ? 'no amount' : formatMoneyIn(d.amount, d.currency)} · ${d.region} · ${d.industry} · ${d.productType} · ${d.leadSource} · owner ${d.ownerEmail ?? d.ownerId} · created ${d.createdDate}`,
  ]
  if (d.healthScore !== null && d.winProbability !== null) {
    lines.push(
      d.basis === 'model'
        ? `Health ${d.healthScore}/100 · win probability ${formatPercent(d.winProbability)} (model ${d.modelId}, as of ${d.asOf})`
        : `Health ${d.healthScore}/100 · win rate of similar deals ${formatPercent(d.winProbability)} (not a prediction: model ${d.modelId} is not informative; as of ${d.asOf})`,
    )
  }
  if (d.modelNote !== undefined) lines.push(d.modelNote)
  lines.push('Why:', ...d.reasons.map((r) => `  - ${r}`))
  return lines.join('\n')
}

/** Characters of a deal's name the card shows; `--json` gives the whole name. */
const MAX_NAME_SHOWN = 200

/** A deal name cut to {@link MAX_NAME_SHOWN} characters with an ellipsis: a CRM name field can hold megabytes. */
function shownName(name: string): string {
  return name.length <= MAX_NAME_SHOWN ? name : `${sliceWhole(name, MAX_NAME_SHOWN - 1)}…`
}
