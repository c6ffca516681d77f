import { stageSpelling } from './stage-spelling.js'
import type { StageDefinition } from './stages-from-names.js'

/**
 * `stages` with each name that a stored stage spells in another case (`demo` against a stored
 * `Demo`) written as the stored one: the deals were imported in that spelling, and reports match
 * stage names exactly. Names the store does not have are kept as given.
 */
export function stagesInStoredSpelling(stages: readonly StageDefinition[], storedNames: readonly string[]): StageDefinition[] {
  const spelling = stageSpelling(storedNames)
  return stages.map((s) => {
    const stored = spelling(s.name)
    return stored === s.name ? s : { ...s, name: stored }
  })
}
