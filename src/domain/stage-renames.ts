/** A stage whose name changed in the CRM: the same stage (same id) under a new label. */
export interface StageRename {
  from: string
  to: string
}

/**
 * The stages renamed in the CRM between two of a source's stage lists, each stage keyed by its
 * CRM id and written `O|W|L:label` (open, won, lost), as the sources keep them in their
 * watermarks: a label whose stages (by id) all have one other label now. A label that was two
 * stages' that now differ, or that one stage still has, is left out (the stays under it are not
 * all one renamed stage's), and so are renames that go round in a circle (`A` and `B` swapped).
 * In the order to apply them one after another: a rename comes before the one that takes its old
 * label (`B -> C` before `A -> B`).
 * @example stageRenames({ 'p:1': 'O:Demo' }, { 'p:1': 'O:Product Demo' }) // [{ from: 'Demo', to: 'Product Demo' }]
 */
export function stageRenames(before: Readonly<Record<string, string>>, now: Readonly<Record<string, string>>): StageRename[] {
  const label = (entry: string | undefined) => (typeof entry === 'string' && /^[OWL]:./s.test(entry) ? entry.slice(2) : undefined)
  // Each old label with the labels its stages have now.
  const becomes = new Map<string, Set<string>>()
  for (const [key, entry] of Object.entries(before)) {
    const was = label(entry)
    const is = label(now[key])
    if (was === undefined || is === undefined) continue
    becomes.set(was, (becomes.get(was) ?? new Set()).add(is))
  }
  const pending = new Map<string, string>()
  for (const [from, to] of becomes) {
    const next = [...to][0]
    if (to.size === 1 && next !== undefined && next !== from) pending.set(from, next)
  }
  const ordered: StageRename[] = []
  for (let progress = true; progress; ) {
    progress = false
    for (const [from, to] of pending) {
      // Its new label is still another rename's old one: that rename goes first.
      if (pending.has(to)) continue
      ordered.push({ from, to })
      pending.delete(from)
      progress = true
    }
  }
  return ordered
}

/**
 * `renames` for the stage names as stored (`stored`): a CRM's old label may be stored in another
 * case (another CRM named the stage first, and its spelling is the stored one), so each rename
 * applies to every stored name that folds to its old label (JavaScript's lower case, as stage
 * spellings are folded), in the order given; a stored name that is already the new one is left.
 * @example renamesInStoredSpellings([{ from: 'Qualification', to: 'Qualified' }], ['QUALIFICATION']) // [{ from: 'QUALIFICATION', to: 'Qualified' }]
 */
export function renamesInStoredSpellings(renames: readonly StageRename[], stored: Iterable<string>): StageRename[] {
  const byLowerCase = new Map<string, string[]>()
  for (const name of stored) {
    const key = name.toLowerCase()
    byLowerCase.set(key, [...(byLowerCase.get(key) ?? []), name])
  }
  return renames.flatMap((r) =>
    (byLowerCase.get(r.from.toLowerCase()) ?? []).filter((from) => from !== r.to).map((from) => ({ from, to: r.to })),
  )
}
