import { editDistance } from '../../domain/edit-distance.js'
import { unquote } from '../../domain/unquote.js'
import { AppError } from '../../errors.js'

/** Columns every import file must have (contract: "Import CSV"). */
export const REQUIRED_COLUMNS = [
  'deal_id',
  'created_date',
  'sales_rep_id',
  'industry',
  'region',
  'product_type',
  'lead_source',
  'deal_stage',
  'deal_amount',
  'outcome',
] as const

/** Columns the import understands when present. */
export const OPTIONAL_COLUMNS = [
  'closed_date',
  'sales_cycle_days',
  'last_activity_date',
  'updated_date',
  'owner_email',
  'deal_name',
  'currency',
  'stage_entered_date',
  'stage_history',
  'crm_url',
] as const

/** A column name the import knows, required or optional (contract spelling). */
export type KnownColumn = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number]

/** An optional column (contract spelling). */
export type OptionalColumn = (typeof OPTIONAL_COLUMNS)[number]

/** Where each known column sits in a file's rows, plus the columns kept as extras. */
export interface ColumnLayout {
  readonly index: Readonly<Partial<Record<KnownColumn, number>>>
  readonly extras: ReadonlyArray<{ name: string; index: number }>
  /** Fields in the header row. */
  readonly width: number
  /** Fields a row must have: up to the header's last non-empty name (empty names at the end do not count). */
  readonly minFields: number
  /**
   * The file may come from a locale where the comma is the decimal mark and a dot groups
   * thousands, so an amount like `12.500` cannot be read either way: it is separated by
   * semicolons, as spreadsheets write it there, or by tabs without another amount that shows a
   * dot before its decimals (see {@link resolveColumns}).
   */
  readonly decimalCommaLocale: boolean
  /** The file's separator: `,`, `;` or a tab. */
  readonly delimiter: string
}

const KNOWN = new Set<string>([...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS])

/**
 * The optional columns a file does not have at all (under their own name or a `--map`): the file
 * says nothing about them, unlike a column it has with an empty value.
 * @example missingOptionalColumns(resolveColumns(['deal_id', ..., 'outcome'])) // ['closed_date', 'sales_cycle_days', ...]
 */
export function missingOptionalColumns(layout: ColumnLayout): OptionalColumn[] {
  return OPTIONAL_COLUMNS.filter((c) => layout.index[c] === undefined)
}

/**
 * Parses `--map` arguments (`deal_amount=Deal Value`) into column -> header name.
 * @throws AppError `bad_input` for a malformed pair, an unknown column name, or a column given two headers.
 */
export function parseColumnMap(pairs: readonly string[]): Map<KnownColumn, string> {
  const map = new Map<KnownColumn, string>()
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    // The column in any case, as headers are matched (`Deal_Amount=...`).
    const column = pair.slice(0, eq).trim().toLowerCase()
    // Quotes that reached us as part of the value (a Docker or systemd command line, a script
    // quoting twice) are not part of the header: `deal_amount="Deal Value"` means Deal Value.
    const header = unquote(pair.slice(eq + 1).trim())
    if (eq <= 0 || header === '') {
      throw new AppError(
        'bad_input',
        `--map "${pair}" is not of the form column="Header Name" (for example --map deal_amount="Deal Value").`,
      )
    }
    if (!KNOWN.has(column)) {
      throw new AppError('bad_input', `--map names an unknown column "${column}". Known columns: ${[...KNOWN].join(', ')}.`)
    }
    const earlier = map.get(column as KnownColumn)
    if (earlier !== undefined && earlier.toLowerCase() !== header.toLowerCase()) {
      throw new AppError(
        'bad_input',
        `--map gives ${column} twice ("${earlier}" and "${header}"); a column reads one header, so map it once.`,
      )
    }
    map.set(column as KnownColumn, header)
  }
  return map
}

const normalise = (h: string) => h.trim().toLowerCase()

/**
 * Matches a header row to the known columns: mapped headers first, then the column's own name
 * (case and surrounding spaces ignored). Unmatched headers become extras. `delimiter` is the
 * file's separator (a semicolon marks a decimal-comma locale, see `decimalCommaLocale`), and
 * `decimalMark` the mark the file's amounts show before their decimals (`findDecimalMark`): a
 * tab-separated file is read as from a decimal-comma locale unless they show a dot.
 *
 * @throws AppError `missing_columns` naming every required column that is absent, so nothing
 *   is written for a file that cannot be read correctly.
 */
export function resolveColumns(
  header: readonly string[],
  map: ReadonlyMap<KnownColumn, string> = new Map(),
  delimiter = ',',
  decimalMark: '.' | ',' | null = null,
): ColumnLayout {
  const positions = new Map<string, number>()
  header.forEach((h, i) => {
    const key = normalise(h)
    if (key !== '' && !positions.has(key)) positions.set(key, i)
  })
  const index: Partial<Record<KnownColumn, number>> = {}
  const used = new Set<number>()
  for (const column of KNOWN as Set<KnownColumn>) {
    const wanted = map.get(column) ?? column
    const at = positions.get(normalise(wanted))
    if (at !== undefined && !used.has(at)) {
      index[column] = at
      used.add(at)
    }
  }
  const missing = REQUIRED_COLUMNS.filter((c) => index[c] === undefined)
  const first = (header[0] ?? '').trim()
  if (missing.length > 0 && (first.startsWith('{') || first.startsWith('['))) {
    throw new AppError('bad_file', 'The file looks like JSON, not CSV; nothing was imported. Export the deals as CSV with a header row.')
  }
  if (missing.length > 0) {
    const mapped = missing.filter((c) => map.has(c)).map((c) => `${c} (mapped to "${map.get(c)}")`)
    const plain = missing.filter((c) => !map.has(c))
    const names = [...plain, ...mapped].join(', ')
    const looksLikeCsv = header.length > 1
    // When nothing matched, or a mapped header is not there, the headers the file does have show
    // what to map (or that it is another file).
    const showHeader = looksLikeCsv && (missing.length === REQUIRED_COLUMNS.length || mapped.length > 0)
    // Won and lost deals need closed_date too: offer its map now rather than after the others are fixed.
    const likely = likelyHeaders(index.closed_date === undefined ? [...plain, 'closed_date'] : plain, header, used)
    // A missing column with no header to offer may hide under one that no column reads (and that
    // is not offered for another): list those, also beside the maps offered for the other columns.
    const offered = new Set(likely.map((l) => l.name))
    const unread = header.filter((h, i) => !used.has(i) && !offered.has(h.trim()))
    const unoffered = plain.some((c) => !likely.some((l) => l.column === c))
    const found = showHeader
      ? ` The file's header is: ${headerList(header)}.`
      : unoffered && unread.length > 0
        ? ` Headers not read: ${headerList(unread)}.`
        : ''
    const example =
      likely.length > 0 ? likely.map(({ column, name }) => `--map ${column}="${name}"`).join(' ') : `--map ${missing[0]}="Your Header"`
    throw new AppError(
      'missing_columns',
      looksLikeCsv
        ? `The file lacks required column${missing.length > 1 ? 's' : ''} ${names}; nothing was imported. Rename the header${missing.length > 1 ? 's' : ''} or map ${missing.length > 1 ? 'them' : 'it'}, e.g. ${example}.${found}`
        : `The file does not look like a comma-separated file with a header row (it has ${header.length} column); nothing was imported. Required columns: ${REQUIRED_COLUMNS.join(', ')}.`,
    )
  }
  // A name that comes again is read once, from its first column, as a known column is.
  const extras = header
    .map((name, i) => ({ name: name.trim(), index: i }))
    .filter((e) => !used.has(e.index) && e.name !== '' && positions.get(normalise(e.name)) === e.index)
  let minFields = header.length
  while (minFields > 0 && (header[minFields - 1] ?? '').trim() === '') minFields--
  const decimalCommaLocale = delimiter === ';' || (delimiter === '\t' && decimalMark !== '.')
  return { index, extras, width: header.length, minFields, decimalCommaLocale, delimiter }
}

/**
 * The refusal of a file with won or lost deals but no `closed_date` column, which such deals need:
 * nothing is imported, and the message offers the `--map` for a header that looks like it
 * (`Close Date`), else lists the file's other headers.
 * @example missingClosedDateColumn(layout).message // "The file has won or lost deals but no closed_date column ..."
 */
export function missingClosedDateColumn(layout: ColumnLayout): AppError {
  const others = layout.extras.map((e) => e.name)
  const likely = likelyHeaders(['closed_date'], others, new Set())[0]
  const example = `--map closed_date="${likely?.name ?? 'Your Header'}"`
  const found = likely === undefined && others.length > 0 ? ` The file's other headers are: ${headerList(others)}.` : ''
  return new AppError(
    'missing_columns',
    `The file has won or lost deals but no closed_date column, which they need; nothing was imported. Rename the header or map it, e.g. ${example}.${found}`,
  )
}

/**
 * Refuses `--map` pairs that name a header the file does not have (case and surrounding spaces
 * ignored), required column or optional: such a pair is a typo or the wrong file, and would
 * otherwise leave an optional column silently empty. Refuses as well a map under which two
 * columns would read the same header (two pairs naming it, or a pair naming the header another
 * column reads by its own name).
 * @throws AppError `missing_columns` naming the pairs and showing the file's headers, `bad_input`
 * naming the columns that would share a header.
 */
export function checkColumnMap(header: readonly string[], map: ReadonlyMap<KnownColumn, string>): void {
  const present = new Set(header.map(normalise))
  const unmatched = [...map].filter(([, h]) => !present.has(normalise(h))).map(([c, h]) => `--map ${c}="${h}"`)
  if (unmatched.length > 0) {
    throw new AppError(
      'missing_columns',
      `${unmatched.join(' and ')} ${unmatched.length > 1 ? 'name headers' : 'names a header'} the file does not have; nothing was imported. The file's header is: ${headerList(header)}.`,
    )
  }
  // One header read as two columns: only one of them would get it, the other would stay empty
  // (or, for a required column, be reported missing although the header is there).
  const readers = new Map<string, KnownColumn[]>()
  for (const column of KNOWN as Set<KnownColumn>) {
    const wanted = normalise(map.get(column) ?? column)
    if (present.has(wanted)) readers.set(wanted, [...(readers.get(wanted) ?? []), column])
  }
  for (const [, columns] of readers) {
    if (columns.length < 2) continue
    const how = (c: KnownColumn) => (map.has(c) ? `--map ${c}="${map.get(c)}"` : `column ${c} (its own header)`)
    throw new AppError(
      'bad_input',
      `${columns.map(how).join(' and ')} would read the same header; nothing was imported. Give each column its own header${columns.some((c) => !map.has(c)) ? `, e.g. --map ${columns.find((c) => !map.has(c))}="Another Header"` : ''}.`,
    )
  }
}

/**
 * Header names that occur more than once (case and surrounding spaces ignored), with their
 * 1-based column numbers. Only the first column of each is read (see {@link resolveColumns}).
 * @example duplicateHeaders(['deal_id', 'Region', 'region ']) // [{ name: 'Region', columns: [2, 3] }]
 */
export function duplicateHeaders(header: readonly string[]): Array<{ name: string; columns: number[] }> {
  const byName = new Map<string, { name: string; columns: number[] }>()
  header.forEach((h, i) => {
    const key = normalise(h)
    if (key === '') return
    const seen = byName.get(key)
    if (seen) seen.columns.push(i + 1)
    else byName.set(key, { name: h.trim(), columns: [i + 1] })
  })
  return [...byName.values()].filter((d) => d.columns.length > 1)
}

// Lower-case letters and digits only: `Deal Stage`, `deal-stage` and `deal_stage` read alike.
const compact = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '')

/**
 * For each of `columns`, the one header not already read (`used`) that looks like its name in
 * another spelling (`Deal Stage`, `Create Date`, or a word of five letters or more it ends or
 * starts with: `Amount`, `Source`, `Product`), when exactly one does; each header is offered once.
 */
function likelyHeaders(
  columns: readonly string[],
  header: readonly string[],
  used: ReadonlySet<number>,
): Array<{ column: string; name: string }> {
  const offered = new Set<number>()
  const out: Array<{ column: string; name: string }> = []
  for (const column of columns) {
    const want = compact(column)
    const near = header
      .map((name, i) => ({ name: name.trim(), i, c: compact(name) }))
      .filter(({ i, c }) => !used.has(i) && !offered.has(i) && c !== '')
      .filter(
        ({ c }) =>
          c === want || (want.length >= 6 && editDistance(c, want) <= 1) || (c.length >= 5 && (want.startsWith(c) || want.endsWith(c))),
      )
    const only = near[0]
    if (only === undefined || near.length > 1) continue
    offered.add(only.i)
    out.push({ column, name: only.name })
  }
  return out
}

function headerList(header: readonly string[]): string {
  const names = header.map((h) => h.trim()).filter((h) => h !== '')
  const shown = names.slice(0, 15).map((h) => (h.length > 40 ? `${h.slice(0, 40)}...` : h))
  return names.length > shown.length ? `${shown.join(', ')} (and ${names.length - shown.length} more)` : shown.join(', ')
}
