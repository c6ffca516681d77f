import type { DealSource, NormalizedOwner, SyncedDeal } from '../domain/normalized-deal.js'
import type { StageRename } from '../domain/stage-renames.js'
import type { StageDefinition } from '../domain/stages-from-names.js'

/**
 * One unit of a sync: what the store writes in one transaction, together with the watermark
 * that says "everything up to here is stored". A crash before the transaction commits leaves
 * the old watermark, so the next run re-reads this page; nothing is lost or counted twice.
 */
export interface SyncPage {
  deals: SyncedDeal[]
  /** Deals archived or deleted in the CRM: removed from analysis. */
  removedDealIds: string[]
  /** The source's cursor once this page is stored (opaque to everyone else); null keeps the current one. */
  watermark: string | null
  /** Owners met on this page (Salesforce reads them off the deals), stored with it. */
  owners?: NormalizedOwner[]
  /** Rows the source could not read (CSV only), with their line and reason. */
  rejects?: Array<{ line: number; reason: string; raw: string }>
  /**
   * Stages renamed in the CRM since the last sync (same stage, new label), in the order to apply
   * them: the source's stored deals and stays under the old label take the new one, with this
   * page, before its deals are stored (a rename is no stage change). On a sync's first page.
   */
  renamedStages?: StageRename[]
}

/** Options of {@link CrmSource.pages}. */
export interface PagesOptions {
  /** Called after every HTTP request or file chunk, for progress lines. */
  onProgress?: (note: string) => void
  /**
   * A full sync's: the watermark it replaced (null when there was none), for what the source
   * learnt that the CRM no longer says (the names of stages HubSpot has deleted).
   */
  replaced?: string | null
}

/**
 * A place deals come from: CSV, HubSpot or Salesforce. The orchestrator (`syncCrm`) asks for
 * the stage order and the owners, then stores the pages in order, each with its watermark.
 */
export interface CrmSource {
  readonly name: DealSource
  /** The CRM's stage order with closed/won flags, or null to keep the configured one. */
  stageOrder(): Promise<StageDefinition[] | null>
  /**
   * Every deal owner the CRM knows, with emails (owners are few: read in full each sync). A CRM
   * that cannot list its owners (Salesforce) reads `known` again instead: the ids of the owners
   * stored by earlier syncs over a day ago, so that an email changed in the CRM reaches the deals they own.
   */
  owners(known?: readonly string[]): Promise<NormalizedOwner[]>
  /**
   * Deals changed since `watermark` (null: everything), then removals, page by page in order.
   * Each page carries the watermark to store with it.
   */
  pages(watermark: string | null, options?: PagesOptions): AsyncIterable<SyncPage>
  /**
   * What a person running the sync should know about how the CRM's data was read (one sentence
   * each, saying what to do), once {@link CrmSource.stageOrder} has run. Absent or empty: nothing.
   */
  notes?(): string[]
}
