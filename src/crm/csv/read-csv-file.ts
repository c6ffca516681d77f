import { createReadStream, statSync } from 'node:fs'
import { Transform, type TransformCallback } from 'node:stream'
import Papa from 'papaparse'
import { AppError } from '../../errors.js'

/** Called once per data row with its fields and the line it starts on (header = line 1). */
export type RowHandler = (fields: string[], line: number) => void

/** What the reader saw: rows delivered and the file's size. */
export interface CsvReadResult {
  rows: number
  bytes: number
}

/**
 * Streams a UTF-8 CSV file (optional BOM) row by row without holding it in memory. The header
 * goes to `onHeader` first (which may throw to refuse the file before any row is handled);
 * then each non-blank row goes to `onRow`. `onProgress` gets the bytes read so far.
 *
 * @throws AppError `bad_file` when the file is missing, empty, binary or not UTF-8.
 */
export async function readCsvFile(
  path: string,
  onHeader: (header: string[]) => void,
  onRow: RowHandler,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): Promise<CsvReadResult> {
  let total: number
  try {
    const stat = statSync(path)
    if (!stat.isFile()) throw new Error('not a file')
    total = stat.size
  } catch {
    throw new AppError('bad_file', `Cannot read ${path}: no such file. Check the path and try again.`)
  }
  if (total === 0) throw new AppError('bad_file', `${path} is empty; nothing was imported. Export the deals again with a header row.`)

  const decoder = new Utf8Check(path, onProgress ? (n) => onProgress(n, total) : undefined)
  const parser = Papa.parse(Papa.NODE_STREAM_INPUT, { skipEmptyLines: false })
  let header: string[] | undefined
  let line = 1
  let rows = 0
  let failure: unknown

  parser.on('data', (fields: string[]) => {
    if (failure !== undefined) return
    try {
      if (header === undefined) {
        header = fields
        line += newlinesIn(fields)
        onHeader(fields)
        line += 1
        return
      }
      const start = line
      line += 1 + newlinesIn(fields)
      if (fields.length === 1 && fields[0]?.trim() === '') return
      rows++
      onRow(fields, start)
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
    parser.on('end', () => (failure === undefined ? resolve() : reject(failure)))
    source.on('close', () => {
      if (failure !== undefined) reject(failure)
    })
    source.pipe(decoder).pipe(parser)
  })
  if (header === undefined) throw new AppError('bad_file', `${path} has no header row; nothing was imported.`)
  return { rows, bytes: total }
}

function newlinesIn(fields: readonly string[]): number {
  let n = 0
  for (const f of fields) {
    let i = f.indexOf('\n')
    while (i !== -1) {
      n++
      i = f.indexOf('\n', i + 1)
    }
  }
  return n
}

/** Decodes bytes as strict UTF-8 (dropping a leading BOM) and refuses binary input. */
class Utf8Check extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })
  private seen = 0

  constructor(
    private readonly path: string,
    private readonly onProgress: ((bytesRead: number) => void) | undefined,
  ) {
    super({ decodeStrings: true, readableObjectMode: false })
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (chunk.includes(0)) {
      done(new AppError('bad_file', `${this.path} contains binary data (NUL bytes), so it is not a CSV file; nothing was imported.`))
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
    done(null, text)
  }

  override _flush(done: TransformCallback): void {
    try {
      done(null, this.decoder.decode())
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
