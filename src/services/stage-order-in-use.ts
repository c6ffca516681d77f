import type { Kysely } from 'kysely'
import type { Store } from '../db/open-store.js'
import { retryWhileBusy } from '../db/retry-while-busy.js'
import { findStageOrder, findStageOrderSource, saveStageOrder, stagesFromNames } from '../db/save-stage-order.js'
import type { Database } from '../db/schema.js'
import { DEFAULT_STAGES } from '../domain/default-stages.js'

/** The stage order reports use, where it came from, and how `PULSE_STAGES` stands to it. */
export interface StageOrderInUse {
  /** The stage names in order. */
  readonly stages: readonly string[]
  /**
   * Where they come from: `config` (`PULSE_STAGES`, or the default, as an import or a
   * `pulse serve` start saved it), a CRM source's name (its pipeline order, saved by a sync), or
   * `none` when no order is stored yet (reports then use `PULSE_STAGES` or the default).
   */
  readonly source: string
  /** `PULSE_STAGES` when it is set to another order than the default, else null. */
  readonly pulseStages: readonly string[] | null
  /**
   * `PULSE_STAGES` names another order than the stored one and would apply (no CRM order is
   * stored): `pulse report` uses it at once, the rest once it is saved (an import, a `pulse serve` start).
   */
  readonly pending: boolean
  /** This call saved `PULSE_STAGES` over the stored order ({@link applyConfiguredStageOrder}). */
  readonly saved: boolean
}

/**
 * The stage order reports read from the store, with `configured` (`PULSE_STAGES`, in the stored
 * spelling where it names a stored stage in another case; undefined when it is not set or is the
 * default, or a CRM order is stored: see `configuredStages`) and `pulseStages` as set.
 */
export async function findStageOrderInUse(
  db: Kysely<Database>,
  configured: readonly string[] | undefined,
  pulseStages: readonly string[],
): Promise<StageOrderInUse> {
  const [order, source] = await Promise.all([findStageOrder(db), findStageOrderSource(db)])
  const stages = order.map((s) => s.name)
  const set = isDefaultOrder(pulseStages) ? null : [...pulseStages]
  if (source === null) return { stages: [...pulseStages], source: 'none', pulseStages: set, pending: false, saved: false }
  const pending = configured !== undefined && !sameNames(configured, stages)
  return { stages, source, pulseStages: set, pending, saved: false }
}

/** How {@link applyConfiguredStageOrder} waits for another process writing to a SQLite store. */
export interface ApplyStageOrderOptions {
  /** How long to wait, in milliseconds (default two minutes). */
  readonly waitMs?: number
  /** Called once, when the first try finds the store busy. */
  readonly onWait?: () => void
  /** Aborted: wait no more (the busy error is thrown). */
  readonly stop?: AbortSignal
}

/**
 * Saves `configured` (as {@link findStageOrderInUse} takes it) as the stored order when it differs
 * from it, as an import would: `pulse serve` does so as it starts, so that Slack, the scheduled jobs
 * and `pulse report` use the order `PULSE_STAGES` names from then on, not the one the last import
 * saved. A CRM's stored pipeline order is left as it is (it wins, as on import); so is a store with
 * no order yet (the first import or sync saves one). While another process writes to a SQLite
 * store (an import started beside `pulse serve`, or the report summaries it rebuilds after its
 * commit) the save waits for it, up to `options.waitMs`, instead of failing after SQLite's 5 s busy
 * timeout. Returns the order in use afterwards.
 *
 * @throws SQLite's busy error when the store stayed held for `options.waitMs` (or until `options.stop`).
 */
export async function applyConfiguredStageOrder(
  store: Store,
  configured: readonly string[] | undefined,
  pulseStages: readonly string[],
  options: ApplyStageOrderOptions = {},
): Promise<StageOrderInUse> {
  const before = await findStageOrderInUse(store.db, configured, pulseStages)
  if (!before.pending || configured === undefined || before.source !== 'config') return before
  await retryWhileBusy(
    () => saveStageOrder(store.db, stagesFromNames(configured), 'config'),
    options.waitMs ?? SAVE_WAIT_MS,
    options.onWait ?? (() => undefined),
    options.stop,
  )
  return { ...(await findStageOrderInUse(store.db, configured, pulseStages)), saved: true }
}

/**
 * The stage order in use in one sentence, saying where it came from and, when `PULSE_STAGES`
 * names another, when that applies.
 * @example stageOrderSentence({ stages: ['Qualified', 'Demo', 'Closed'], source: 'hubspot', pulseStages: null, pending: false, saved: false })
 * // 'Stage order: Qualified, Demo, Closed (the hubspot pipeline order, saved by its last sync; a CRM's order is used instead of PULSE_STAGES).'
 */
export function stageOrderSentence(s: StageOrderInUse): string {
  const names = s.stages.join(', ')
  if (s.source === 'none')
    return `Stage order: none stored yet (no import or sync); reports use ${s.pulseStages === null ? 'the default' : 'PULSE_STAGES'}: ${names}.`
  if (s.source !== 'config')
    return `Stage order: ${names} (the ${s.source} pipeline order, saved by its last sync; a CRM's order is used instead of PULSE_STAGES).`
  if (s.saved) return `Stage order: ${names} (PULSE_STAGES, saved now in place of the order the last import or start saved).`
  if (s.pending && s.pulseStages !== null)
    return `Stage order: ${names} (saved by the last import or \`pulse serve\` start). PULSE_STAGES now names ${s.pulseStages.join(', ')}: \`pulse report\` uses it at once; Slack and the scheduled jobs once \`pulse serve\` starts again or an import saves it.`
  return `Stage order: ${names} (saved by the last import or \`pulse serve\` start${s.pulseStages === null ? '; PULSE_STAGES is not set to another order, so it stays' : ', as PULSE_STAGES names it'}).`
}

/** How long {@link applyConfiguredStageOrder} waits for a store another process writes to, by default. */
const SAVE_WAIT_MS = 120_000

function isDefaultOrder(names: readonly string[]): boolean {
  return names.length === DEFAULT_STAGES.length && names.every((s, i) => s === DEFAULT_STAGES[i])
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i])
}
