import type { Config } from '../config.js'
import type { Store } from '../db/open-store.js'
import { stageOrderAfterSave } from '../db/save-stage-order.js'
import { DEFAULT_STAGES } from '../domain/default-stages.js'
import { stagesFromNames } from '../domain/stages-from-names.js'

/**
 * The stage order a report should use when `PULSE_STAGES` is set (differs from the default):
 * that order, unless a CRM saved its own pipeline order (which wins, as on import), with a stage
 * named in another case than the stored order in the stored spelling (the deals'). Undefined
 * means the stored order (the one the last import or sync saved).
 */
export async function configuredStages(store: Store, config: Config): Promise<readonly string[] | undefined> {
  const names = config.stages
  if (names.length === DEFAULT_STAGES.length && names.every((s, i) => s === DEFAULT_STAGES[i])) return undefined
  const order = await stageOrderAfterSave(store.db, stagesFromNames(names), 'config')
  // The order as saved: a stage spelt in another case than the stored one takes the stored spelling.
  return order.length === names.length && order.every((s, i) => s.name.toLowerCase() === names[i]?.toLowerCase())
    ? order.map((s) => s.name)
    : undefined
}
