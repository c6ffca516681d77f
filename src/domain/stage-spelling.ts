/**
 * A stage name written in another case than one of `stageNames` (`demo` against `Demo`) becomes
 * that spelling (the first of `stageNames` that folds to it), so data and a stage order need not
 * agree on case; any other name is kept. Names are compared in JavaScript's lower case.
 * @example stageSpelling(['Demo', 'Proposal'])('demo') // 'Demo'
 */
export function stageSpelling(stageNames: Iterable<string>): (stage: string) => string {
  const byLowerCase = new Map<string, string>()
  for (const name of stageNames) if (!byLowerCase.has(name.toLowerCase())) byLowerCase.set(name.toLowerCase(), name)
  return (stage) => byLowerCase.get(stage.toLowerCase()) ?? stage
}
