/** A stage in order, with its closed/won flags. */
export interface StageDefinition {
  name: string
  isClosed: boolean
  isWon: boolean
}

// End stages an order may name, in the spellings CRMs and people use.
const WON_NAME = /^(closed[\s_-]*)?won$|^closed$/i
const LOST_NAME = /^(closed[\s_-]*)?lost$/i

/** Whether a stage name reads as a pipeline's won end: `Closed`, `Won`, `Closed Won` (any case; `ClosedWon`, `closed-won`, `closed_won`). */
export function isWonStageName(name: string): boolean {
  return WON_NAME.test(name.trim())
}

/** Whether a stage name reads as a pipeline's lost end: `Lost`, `Closed Lost` (any case; `ClosedLost`, `closed-lost`, `closed_lost`). */
export function isLostStageName(name: string): boolean {
  return LOST_NAME.test(name.trim())
}

/**
 * The configured stage list as definitions: a stage named as a won end ({@link isWonStageName},
 * e.g. `Closed` or `Closed Won`) is closed and won, one named as a lost end ({@link isLostStageName})
 * is closed and lost; every other stage is open.
 */
export function stagesFromNames(names: readonly string[]): StageDefinition[] {
  return names.map((name) => {
    const won = isWonStageName(name)
    return { name, isClosed: won || isLostStageName(name), isWon: won }
  })
}
