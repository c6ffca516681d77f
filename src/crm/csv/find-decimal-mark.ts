import { type KnownColumn, resolveColumns } from './csv-columns.js'
import { decimalMarkOf } from './parse-deal-row.js'
import { readCsvFile } from './read-csv-file.js'

const FOUND = Symbol('found')

/**
 * The mark the amounts of a tab-separated CSV file show before their decimals: `.` or `,` from
 * the first `deal_amount` that can be read one way only ({@link decimalMarkOf}), or null when
 * none does. A tab-separated file may come from a spreadsheet in any locale, and only its amounts
 * can tell whether `12.500` is twelve and a half or twelve thousand five hundred. The file is read
 * up to that amount (to its end when none tells); a file separated otherwise is not read past its
 * header (null: its separator says what it needs to).
 *
 * @throws AppError `bad_file` / `missing_columns` as the import itself would for the same file.
 */
export async function findDecimalMark(path: string, map?: ReadonlyMap<KnownColumn, string>): Promise<'.' | ',' | null> {
  let column: number | undefined
  let mark: '.' | ',' | null = null
  try {
    await readCsvFile(
      path,
      (header, delimiter) => {
        column = delimiter === '\t' ? resolveColumns(header, map, delimiter).index.deal_amount : undefined
        if (column === undefined) throw FOUND
      },
      (fields) => {
        mark = decimalMarkOf(fields[column as number] ?? '')
        if (mark !== null) throw FOUND
      },
    )
  } catch (error) {
    if (error !== FOUND) throw error
  }
  return mark
}
