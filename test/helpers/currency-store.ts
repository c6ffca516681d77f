import { DEFAULT_STAGES } from '../../src/config.js'
import type { Store } from '../../src/db/open-store.js'
import { importCsvFile } from '../../src/ingest/import-csv-file.js'
import { openTestStore, writeTempFile } from './test-store.js'

/** The columns the currency tests' rows give, in order (`storeWithCurrencies` adds `currency`). */
export const CURRENCY_TEST_HEADER =
  'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date'

/**
 * The columns of the open-deal rows the stalled currency tests give ({@link openDealLine}), in order
 * (`storeWithCurrencies` adds `currency`).
 */
export const OPEN_DEAL_TEST_HEADER =
  'deal_id,created_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,last_activity_date'

/**
 * One open deal under {@link OPEN_DEAL_TEST_HEADER}: created 2024-01-10 by `r1`, a SaaS/EMEA/Core/
 * Inbound deal in Demo, of `amount`, last active on `activity`.
 * @example openDealLine('D1', '80000', '2024-06-01') // 'D1,2024-01-10,r1,SaaS,EMEA,Core,Inbound,Demo,80000,Open,2024-06-01'
 */
export function openDealLine(id: string, amount: string, activity: string): string {
  return `${id},2024-01-10,r1,SaaS,EMEA,Core,Inbound,Demo,${amount},Open,${activity}`
}

/**
 * For the tests of amounts written in the deals' currencies: a new test store holding `lines`
 * (CSV rows under `header`) imported with the default stage order. With `withCurrency` the file
 * gets a `currency` column, and each line is given its currency at its end; without
 * it the file has no such column, as an export without currencies.
 */
export async function storeWithCurrencies(
  header: string,
  lines: ReadonlyArray<{ line: string; currency: string | undefined }>,
  withCurrency: boolean,
): Promise<Store> {
  const store = await openTestStore()
  const rows = lines.map(({ line, currency }) => (withCurrency ? `${line},${currency ?? ''}` : line))
  const csv = [`${header}${withCurrency ? ',currency' : ''}`, ...rows, ''].join('\n')
  await importCsvFile(store, { path: writeTempFile('currency.csv', csv), stages: DEFAULT_STAGES })
  return store
}
