import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs'
import { Transform, type TransformCallback } from 'node:stream'
import Papa from 'papaparse'
import { AppError } from '../../errors.js'
import { createStrayQuoteRepair, type StrayQuoteRepair } from './create-stray-quote-repair.js'

/**
 * Called once per data row with its fields and the line it starts on (header = line 1), and
 * `unclosedQuote` for the last row when the file ends inside a quoted value (a quote never
 * closed: the row holds the rest of the file). `swallowed` when a value of the row runs over
 * lines that look like rows of the file (see {@link SwallowedRows}).
 */
export type RowHandler = (fields: string[], line: number, unclosedQuote?: boolean, swallowed?: SwallowedRows) => void

/**
 * A row with a value that spans lines, `rows` of which look like rows of the file (as many
 * separators, and a date): a quote opened in the row and closed only on `lastLine` (a later value's quote) read
 * those rows into the value, as spreadsheets would read them too.
 */
export interface SwallowedRows {
  /** The line the row ends on. */
  lastLine: number
  /** Lines inside its values that look like rows. */
  rows: number
}

/** What the reader saw: rows delivered and the file's size. */
export interface CsvReadResult {
  rows: number
  bytes: number
}

/**
 * Streams a UTF-8 CSV file (optional BOM) row by row, separated by commas (or by semicolons or
 * tabs when the header line has no comma but those) without holding it in memory. The header
 * goes to `onHeader` first (which may throw to refuse the file before any row is handled);
 * then each non-blank row goes to `onRow` (a blank line, or a row whose fields are all blank, is
 * no row). `onProgress` gets the bytes read so far. A quoted value that goes on after its closing
 * quote (`"Acme" Inc`) is read as one value (`Acme Inc`), as spreadsheets read it, instead of
 * swallowing the rows after it (see {@link createStrayQuoteRepair}).
 *
 * @throws AppError `bad_file` when the file is missing, empty, binary or not UTF-8.
 */
export async function readCsvFile(
  path: string,
  onHeader: (header: string[], delimiter: string) => void,
  onRow: RowHandler,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): Promise<CsvReadResult> {
  const total = csvFileSize(path)

  const { delimiter, lineBreak, sepLine } = fileShape(path)
  const quotes = createStrayQuoteRepair(delimiter)
  const decoder = new Utf8Check(path, quotes, lineBreak, onProgress ? (n) => onProgress(n, total) : undefined)
  // The line end is told, not guessed: Papa Parse guesses one from the first chunk, and a file whose
  // header ends in CRLF and whose rows in LF (rows appended by another tool) became one row.
  const parser = Papa.parse(Papa.NODE_STREAM_INPUT, { skipEmptyLines: false, delimiter, newline: lineBreak })
  let header: string[] | undefined
  let sepLineLeft = sepLine
  let line = 1
  let rows = 0
  let failure: unknown
  // Each row is handed on once the next one (or the end) shows it is not the last: the last one
  // is marked when the file ends inside a quote.
  let heldFields: string[] | undefined
  let heldLine = 0
  let heldSwallowed: SwallowedRows | undefined
  // Separators a line inside a value needs to look like a row (a header with fewer than three names has none).
  let rowSeparators = Number.POSITIVE_INFINITY
  const handOn = (last: boolean) => {
    if (heldFields === undefined) return
    const fields = heldFields
    heldFields = undefined
    rows++
    onRow(fields, heldLine, last && quotes.endedInQuotes() ? true : undefined, heldSwallowed)
  }

  parser.on('data', (fields: string[]) => {
    if (failure !== undefined) return
    try {
      if (header === undefined) {
        // Blank lines before the header are skipped.
        if (isBlank(fields)) {
          line += 1 + newlinesIn(fields, lineBreak)
          return
        }
        // Excel's `sep=;` line, which only names the separator.
        if (sepLineLeft) {
          sepLineLeft = false
          line += 1
          return
        }
        header = fields
        line += newlinesIn(fields, lineBreak)
        onHeader(fields, delimiter)
        line += 1
        let named = fields.length
        while (named > 0 && (fields[named - 1] ?? '').trim() === '') named--
        if (named >= 3) rowSeparators = named - 1
        return
      }
      const start = line
      const breaks = newlinesIn(fields, lineBreak)
      line += 1 + breaks
      if (isBlank(fields)) return
      handOn(false)
      heldFields = fields
      heldLine = start
      // (Rare: only a row with a value over several lines is looked into.)
      const inside = breaks === 0 ? 0 : rowLikeLines(fields, lineBreak, delimiter, rowSeparators)
      heldSwallowed = inside === 0 ? undefined : { lastLine: start + breaks, rows: inside }
    } catch (error) {
      failure = error
      source.destroy()
    }
  })

  const source = createReadStream(path)
  await new Promise<void>((resolve, reject) => {
    const fail = (error: unknown) => {
      failure ??= error
      reject(failure)
    }
    source.on('error', fail)
    decoder.on('error', fail)
    parser.on('error', fail)
    parser.on('end', () => {
      if (failure === undefined) {
        try {
          handOn(true)
        } catch (error) {
          failure = error
        }
      }
      if (failure === undefined) resolve()
      else reject(failure)
    })
    source.on('close', () => {
      if (failure !== undefined) reject(failure)
    })
    source.pipe(decoder).pipe(parser)
  })
  if (header === undefined) throw new AppError('bad_file', `${path} has no header row; nothing was imported.`)
  return { rows, bytes: total }
}

const STOP = Symbol('stop')

/**
 * Reads only as far as the first data row of a CSV file, handing the header to `onHeader` (which
 * may throw to refuse it), so a command can refuse an unusable file before it opens (or creates)
 * a database.
 * @throws AppError `bad_file` as {@link readCsvFile} does, and when the file has a header but no rows.
 */
export async function checkCsvHeader(path: string, onHeader: (header: string[], delimiter: string) => void): Promise<void> {
  try {
    await readCsvFile(path, onHeader, () => {
      throw STOP
    })
  } catch (error) {
    if (error !== STOP) throw error
    return
  }
  throw noRows(path)
}

/** The error for a file with a header and no data row. */
export function noRows(path: string): AppError {
  return new AppError('bad_file', `${path} has a header but no deal rows; nothing was imported.`)
}

/**
 * The size in bytes of the CSV file at `path`.
 * @throws AppError `bad_file` when it is missing, a folder or empty.
 */
export function csvFileSize(path: string): number {
  let stat: ReturnType<typeof statSync>
  try {
    stat = statSync(path)
  } catch {
    throw new AppError('bad_file', `Cannot read ${path}: no such file. Check the path and try again.`)
  }
  if (stat.isDirectory()) throw new AppError('bad_file', `${path} is a folder, not a CSV file; give the path of the file to import.`)
  if (!stat.isFile()) throw new AppError('bad_file', `Cannot read ${path}: it is not a regular file. Give the path of a CSV file.`)
  if (stat.size === 0) throw new AppError('bad_file', `${path} is empty; nothing was imported. Export the deals again with a header row.`)
  return stat.size
}

/**
 * The separator the header line uses: a comma whenever it has one between its names (not inside a
 * quoted name), else a semicolon or a tab (exports from spreadsheets set to other locales); or the
 * one a first line `sep=;` names (`sepLine`), as Excel writes it for the file to open right. Decided from the header alone, since values
 * may hold semicolons (`stage_history`) that would sway a guess made from the rows. And the
 * character that ends lines: `\r` when the first line ends in a lone CR (old Mac exports), else
 * `\n` (LF or CRLF).
 */
function fileShape(path: string): { delimiter: string; lineBreak: '\n' | '\r'; sepLine: boolean } {
  const bytes = Buffer.alloc(64 * 1024)
  const fd = openSync(path, 'r')
  let n: number
  try {
    n = readSync(fd, bytes, 0, bytes.length, 0)
  } finally {
    closeSync(fd)
  }
  const text = bytes
    .subarray(0, n)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
  const headerLine = text.split(/\r\n|\n|\r/).find((l) => l.trim() !== '') ?? ''
  // A first line `sep=;` (Excel writes and reads it) names the separator; the header follows it.
  const sep = /^ *sep=([^ ]) *$/i.exec(headerLine)?.[1]
  // Between the names, not inside a quoted one (`"Value, EUR"` in a semicolon-separated header).
  const between = headerLine.replace(/"[^"]*"/g, '')
  const delimiter = sep ?? (between.includes(',') ? ',' : between.includes(';') ? ';' : between.includes('\t') ? '\t' : ',')
  const cr = text.indexOf('\r')
  const lf = text.indexOf('\n')
  const lineBreak = cr !== -1 && (lf === -1 || cr < lf) && text[cr + 1] !== '\n' ? '\r' : '\n'
  return { delimiter, lineBreak, sepLine: sep !== undefined }
}

// A blank line, or a row of bare separators (`,,,,`: how spreadsheets save an empty row).
function isBlank(fields: readonly string[]): boolean {
  return fields.every((f) => f.trim() === '')
}

// Line breaks inside a row's values, counted by the file's line end (`\n` for LF and CRLF files,
// `\r` for files with old Mac line ends).
function newlinesIn(fields: readonly string[], lineBreak: string): number {
  let n = 0
  for (const f of fields) {
    let i = f.indexOf(lineBreak)
    while (i !== -1) {
      n++
      i = f.indexOf(lineBreak, i + 1)
    }
  }
  return n
}

// Lines inside the values of a row (after a value's first line) that look like deal rows: at least
// `separators` separators and a date (every row has its created_date), which a list in a note seldom has.
function rowLikeLines(fields: readonly string[], lineBreak: string, delimiter: string, separators: number): number {
  let n = 0
  for (const f of fields) {
    if (!f.includes(lineBreak)) continue
    for (const inner of f.split(lineBreak).slice(1)) if (inner.split(delimiter).length - 1 >= separators && ISO_DAY.test(inner)) n++
  }
  return n
}

const ISO_DAY = /\d{4}-\d{2}-\d{2}/

/**
 * The most characters a line, or a quoted value, may run on for (a million): far past any deal's
 * row (a spreadsheet cell holds at most 32,767), short of the rows that would take the parser
 * minutes or hours to read (it reads an unfinished row again with each new piece of the file).
 */
export const MAX_ROW_CHARS = 1_000_000

/**
 * Decodes bytes as strict UTF-8 (dropping a leading BOM), refuses binary input, reads CRLF as LF
 * in a file whose lines end in LF or CRLF (`lineBreak` `\n`), so that a file mixing the two reads
 * line by line, and repairs quoted values that go on after their closing quote (`quotes`).
 */
class Utf8Check extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })
  private seen = 0
  // A CR that ended the last piece of text: whether it starts a CRLF shows in the next one.
  private heldCr = false
  // Characters since the last line break.
  private lineChars = 0

  constructor(
    private readonly path: string,
    private readonly quotes: StrayQuoteRepair,
    private readonly lineBreak: '\n' | '\r',
    private readonly onProgress: ((bytesRead: number) => void) | undefined,
  ) {
    super({ decodeStrings: true, readableObjectMode: false })
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.seen === 0 && looksLikeUtf16(chunk)) {
      done(
        new AppError(
          'bad_file',
          `${this.path} is UTF-16 text, not UTF-8; nothing was imported. Save or export it as "CSV UTF-8" and try again.`,
        ),
      )
      return
    }
    const packed = this.seen === 0 ? packedFormat(chunk) : null
    if (packed !== null) {
      done(new AppError('bad_file', `${this.path} is ${packed}; nothing was imported.`))
      return
    }
    const nul = chunk.indexOf(0)
    if (nul !== -1) {
      // Text with a stray NUL in a value (a CRM's notes field) is told apart from a binary file by
      // the text before it: lines of UTF-8, so the line to clean up is named.
      const line = this.textBefore(chunk, nul) ? lineAt(this.path, this.seen + nul) : null
      done(
        new AppError(
          'bad_file',
          line === null
            ? `${this.path} contains binary data (NUL bytes), so it is not a CSV file; nothing was imported. Export the deals as CSV (UTF-8) and import that file.`
            : `${this.path} has a NUL byte (binary data) on line ${line.toLocaleString('en-US')}, which no CSV value holds; nothing was imported. Remove it from that line (or export the file again) and import it.`,
        ),
      )
      return
    }
    let text: string
    try {
      text = this.decoder.decode(chunk, { stream: true })
    } catch {
      done(
        new AppError(
          'bad_file',
          `${this.path} is not UTF-8 text (bad bytes within the first ${this.seen + chunk.length} bytes); nothing was imported. Save or export it as UTF-8 CSV and try again.`,
        ),
      )
      return
    }
    this.seen += chunk.length
    this.onProgress?.(this.seen)
    const out = this.quotes.next(this.lineEnds(text, false))
    const tooLong = this.runOnRefusal(text, chunk.length)
    if (tooLong !== null) {
      done(tooLong)
      return
    }
    done(null, out === '' ? undefined : out)
  }

  // A line, or a quoted value, that runs on past MAX_ROW_CHARS: the file is refused before the
  // parser, which reads an unfinished row again with each new piece, slows to a crawl on it.
  private runOnRefusal(text: string, chunkBytes: number): AppError | null {
    const lastBreak = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'))
    let longest: number
    // Where in the file the longest line is: in this piece (by its start), or where it ends.
    let at = this.seen - chunkBytes
    if (lastBreak === -1) {
      this.lineChars += text.length
      longest = this.lineChars
    } else {
      // The line that goes on from the last piece ends at the first break; others lie wholly in this piece.
      const breaks = /[\r\n]/g
      const first = text.search(/[\r\n]/)
      longest = this.lineChars + first
      if (text.length > MAX_ROW_CHARS) {
        let from = first + 1
        breaks.lastIndex = from
        for (let m = breaks.exec(text); m !== null; m = breaks.exec(text)) {
          longest = Math.max(longest, m.index - from)
          from = m.index + 1
        }
      }
      this.lineChars = text.length - lastBreak - 1
      if (this.lineChars > longest) {
        longest = this.lineChars
        at = this.seen
      }
    }
    const limit = MAX_ROW_CHARS.toLocaleString('en-US')
    if (longest > MAX_ROW_CHARS) {
      const line = lineAt(this.path, at).toLocaleString('en-US')
      return new AppError(
        'bad_file',
        `${this.path} has a line (line ${line}) longer than ${limit} characters, which no deal's row is; nothing was imported. Check that it is the deals export (a CSV with one deal a line) and import that file.`,
      )
    }
    if (this.quotes.openQuoteLength() > MAX_ROW_CHARS) {
      const line = lineAt(this.path, this.seen).toLocaleString('en-US')
      return new AppError(
        'bad_file',
        `${this.path} has a quoted value that runs on for more than ${limit} characters (up to line ${line}): a quote (") opened before it is never closed; nothing was imported. Close or remove that quote and import the file again.`,
      )
    }
    return null
  }

  // CRLF as LF in an LF or CRLF file; a lone CR stays as it is.
  private lineEnds(text: string, final: boolean): string {
    if (this.lineBreak !== '\n') return text
    let s = this.heldCr ? `\r${text}` : text
    this.heldCr = !final && s.endsWith('\r')
    if (this.heldCr) s = s.slice(0, -1)
    return s.replaceAll('\r\n', '\n')
  }

  // Whether the file up to `end` of `chunk` is UTF-8 text of more than one line (chunks before it were decoded already).
  private textBefore(chunk: Buffer, end: number): boolean {
    const head = chunk.subarray(0, end)
    if (this.seen > 0) return true
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true })
    } catch {
      return false
    }
    return head.includes(0x0a) || head.includes(0x0d)
  }

  override _flush(done: TransformCallback): void {
    try {
      const rest = this.quotes.next(this.lineEnds(this.decoder.decode(), true))
      const out = rest + this.quotes.end()
      done(null, out === '' ? undefined : out)
    } catch {
      done(
        new AppError(
          'bad_file',
          `${this.path} ends in the middle of a UTF-8 character; nothing was imported. Save it as UTF-8 CSV and try again.`,
        ),
      )
    }
  }
}

/** The line (from 1) of the file at `path` that holds byte `offset`, counting LF, CRLF and lone CR line ends. */
function lineAt(path: string, offset: number): number {
  const buffer = Buffer.alloc(1 << 20)
  const fd = openSync(path, 'r')
  let line = 1
  let previous = -1
  try {
    for (let at = 0; at < offset; ) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, offset - at), at)
      if (n === 0) break
      for (let i = 0; i < n; i++) {
        const byte = buffer[i]
        if (byte === 0x0a ? previous !== 0x0d : byte === 0x0d) line++
        previous = byte as number
      }
      at += n
    }
  } finally {
    closeSync(fd)
  }
  return line
}

/**
 * What a file that is no CSV at all is, told by its first bytes, with what to do instead: a
 * gzip-compressed export, a ZIP archive (an Excel workbook is one), an Excel 97-2003 workbook;
 * null for anything else.
 */
function packedFormat(chunk: Buffer): string | null {
  const starts = (...bytes: number[]) => chunk.length >= bytes.length && bytes.every((b, i) => chunk[i] === b)
  if (starts(0x1f, 0x8b))
    return 'gzip-compressed, not a CSV file: unpack it first (gunzip it, or open it with your archive tool) and import the CSV inside'
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06))
    return 'a ZIP archive or an Excel workbook (.xlsx), not a CSV file: save the deals sheet as "CSV UTF-8" (or unzip the archive) and import that file'
  if (starts(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1))
    return 'an Excel 97-2003 workbook (.xls), not a CSV file: save the deals sheet as "CSV UTF-8" and import that file'
  return null
}

// A UTF-16 byte order mark, or (without one) ASCII text with a NUL byte beside every character.
function looksLikeUtf16(chunk: Buffer): boolean {
  if (chunk.length >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))) return true
  const n = Math.min(chunk.length, 64) & ~1
  if (n < 8) return false
  let evenNul = 0
  let oddNul = 0
  for (let i = 0; i < n; i += 2) {
    if (chunk[i] === 0) evenNul++
    if (chunk[i + 1] === 0) oddNul++
  }
  return evenNul === n / 2 || oddNul === n / 2
}
