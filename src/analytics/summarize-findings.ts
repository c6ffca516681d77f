import type {
  DriversReport,
  Finding,
  FindingsSummary,
  FunnelReport,
  LossesReport,
  ReportQuery,
  StalledReport,
  WinrateReport,
} from './report-types.js'

/** The reports a findings summary reads. */
export interface SummaryInputs {
  winrate: WinrateReport
  losses: LossesReport
  funnel: FunnelReport
  drivers: DriversReport
  stalled: StalledReport
}

/** At most this many sentences. */
const MAX_SENTENCES = 7

/**
 * The CRO's first read: the significant findings in the order a CRO asks (win rate anomalies and
 * run signals with the volume context, then drivers, leaking stage, stalled and zombie pipeline),
 * at most 7; when the win rate shows nothing, the "within the normal range" sentence leads, and when
 * no driver or stage is significant, one sentence says so. Pure.
 */
export function summarizeFindings(reports: SummaryInputs, query: ReportQuery): FindingsSummary {
  const w = reports.winrate.findings
  const winrateSignals = w.filter((f) => f.significant)
  const lowMonths = winrateSignals.filter((f) => f.key.startsWith('winrate_low') || f.key.startsWith('winrate_high'))
  const out: Finding[] = []
  if (winrateSignals.length > 0) {
    // Several flagged months read better as the latest two plus the run signals.
    out.push(...lowMonths.slice(-2), ...winrateSignals.filter((f) => f.key.startsWith('winrate_run')).slice(-1))
    out.push(...w.filter((f) => f.report === 'volume'))
  } else {
    out.push(...w)
  }
  const drivers = reports.drivers.findings
  out.push(...drivers.filter((f) => f.significant).slice(0, 2))
  out.push(...reports.funnel.findings.filter((f) => f.significant))
  out.push(...reports.stalled.findings.filter((f) => f.significant).slice(0, 2))
  if (!drivers.some((f) => f.significant)) out.push(...drivers)
  const findings = out.slice(0, MAX_SENTENCES)
  return { asOf: query.asOf, where: query.where ?? {}, findings, sentences: findings.map((f) => f.text) }
}
