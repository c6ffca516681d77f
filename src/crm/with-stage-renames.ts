import type { StageRename } from '../domain/stage-renames.js'
import type { SyncPage } from './crm-source.js'

/**
 * `pages` with the stage renames `renamedStages()` gives once the first page is read (a source
 * learns them as it starts) on that first page, or on an empty page of their own when there is
 * none, so the store renames the stages with the first page it writes.
 */
export async function* withStageRenames(pages: AsyncIterable<SyncPage>, renamedStages: () => StageRename[]): AsyncIterable<SyncPage> {
  let first = true
  for await (const page of pages) {
    const renames = first ? renamedStages() : []
    first = false
    yield renames.length > 0 ? { ...page, renamedStages: renames } : page
  }
  const renames = first ? renamedStages() : []
  if (renames.length > 0) yield { deals: [], removedDealIds: [], watermark: null, renamedStages: renames }
}
