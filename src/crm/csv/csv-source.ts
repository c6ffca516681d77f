import type { NormalizedOwner, SyncedDeal } from '../../domain/normalized-deal.js'
import type { StageDefinition } from '../../domain/stages-from-names.js'
import { stagesFromNames } from '../../domain/stages-from-names.js'
import type { CrmSource, PagesOptions, SyncPage } from '../crm-source.js'
import { type ColumnLayout, type KnownColumn, resolveColumns } from './csv-columns.js'
import { findDecimalMark } from './find-decimal-mark.js'
import { parseDealRow } from './parse-deal-row.js'
import { readCsvFile } from './read-csv-file.js'

/** Options of {@link createCsvSource}. */
export interface CsvSourceOptions {
  path: string
  map?: ReadonlyMap<KnownColumn, string>
  /** The configured stage order (`PULSE_STAGES`). */
  stages: readonly string[]
  /** Deals per page (default 1,000). */
  pageSize?: number
}

/**
 * A CSV export as a {@link CrmSource}, on the same reader and row parser as `pulse ingest`.
 * The watermark is the latest `updated_date` stored: rows updated on or before it are skipped
 * (rows without `updated_date` are always read). Bad rows come back as `rejects` with their
 * line and reason; a duplicate id within the file is a reject too. The file is parsed before
 * the first page is yielded (`pulse ingest` stays the way to load very large files).
 *
 * @throws AppError `bad_file` / `missing_columns` (from the reader) for an unusable file.
 */
export function createCsvSource(options: CsvSourceOptions): CrmSource {
  const pageSize = options.pageSize ?? 1000
  return {
    name: 'csv',
    async stageOrder(): Promise<StageDefinition[] | null> {
      return stagesFromNames(options.stages)
    },
    async owners(): Promise<NormalizedOwner[]> {
      return []
    },
    async *pages(watermark: string | null, opts: PagesOptions = {}): AsyncIterable<SyncPage> {
      let layout: ColumnLayout | undefined
      const deals: SyncedDeal[] = []
      const rejects: NonNullable<SyncPage['rejects']> = []
      const seen = new Map<string, number>()
      let latest = watermark
      const decimalMark = await findDecimalMark(options.path, options.map)
      await readCsvFile(
        options.path,
        (header, delimiter) => {
          layout = resolveColumns(header, options.map, delimiter, decimalMark)
        },
        (fields, line) => {
          const parsed = parseDealRow(fields, layout as ColumnLayout)
          const raw = fields.join(',')
          if (!parsed.ok) return void rejects.push({ line, reason: parsed.reason, raw })
          const first = seen.get(parsed.deal.dealId)
          if (first !== undefined) {
            return void rejects.push({ line, reason: `deal_id ${parsed.deal.dealId} appears again (first on line ${first})`, raw })
          }
          seen.set(parsed.deal.dealId, line)
          const updated = parsed.deal.updatedDate
          if (updated !== null && watermark !== null && updated <= watermark) return
          if (updated !== null && (latest === null || updated > latest)) latest = updated
          deals.push({ deal: parsed.deal, history: parsed.history })
        },
      )
      opts.onProgress?.(`${options.path}: ${deals.length} deals, ${rejects.length} rejected`)
      for (let i = 0; i < Math.max(deals.length, 1); i += pageSize) {
        const last = i + pageSize >= deals.length
        yield {
          deals: deals.slice(i, i + pageSize),
          removedDealIds: [],
          watermark: last ? latest : null,
          rejects: i === 0 ? rejects : [],
        }
      }
    },
  }
}
