import type { StageDefinition } from './stages-from-names.js'

/** A stage of a merged order, with the CRM source whose order placed it. */
export interface SourcedStage extends StageDefinition {
  source: string
}

/**
 * One stage order for a store holding deals from several CRMs (HubSpot and Salesforce): the open
 * stages of each source's order, one source after another, then their closed stages, sources in
 * name order so the result does not depend on which synced last. A name two sources share, in
 * any case (`Negotiation`, `negotiation`), is placed once, where and as the first spells it. Each
 * source's own order is kept within its run.
 * @example mergeStageOrders([{ source: 'salesforce', stages: sf }, { source: 'hubspot', stages: hs }])
 *   // HubSpot's open stages, Salesforce's open stages, HubSpot's closed ones, Salesforce's closed ones
 */
export function mergeStageOrders(orders: ReadonlyArray<{ source: string; stages: readonly StageDefinition[] }>): SourcedStage[] {
  const sorted = [...orders].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0))
  const open: SourcedStage[] = []
  const closed: SourcedStage[] = []
  const seen = new Set<string>()
  for (const isClosed of [false, true]) {
    for (const { source, stages } of sorted) {
      for (const s of stages) {
        if (s.isClosed !== isClosed || seen.has(s.name.toLowerCase())) continue
        seen.add(s.name.toLowerCase())
        ;(isClosed ? closed : open).push({ name: s.name, isClosed: s.isClosed, isWon: s.isWon, source })
      }
    }
  }
  return [...open, ...closed]
}
