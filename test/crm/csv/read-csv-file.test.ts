import { crc32, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { resolveColumns } from '../../../src/crm/csv/csv-columns.js'
import { readCsvFile } from '../../../src/crm/csv/read-csv-file.js'
import { tempDir, writeTempFile } from '../../helpers/test-store.js'

const HEADER = 'deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome'
const ROW = 'D1,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Open'

/** A ZIP archive holding one stored (uncompressed) file, as the ZIP format lays it out. */
function storedZip(name: string, content: string): Buffer {
  const nameBytes = Buffer.from(name)
  const data = Buffer.from(content)
  const crc = crc32(data)
  const local = Buffer.alloc(30)
  local.writeUInt32LE(0x04034b50, 0)
  local.writeUInt16LE(20, 4)
  local.writeUInt32LE(crc, 14)
  local.writeUInt32LE(data.length, 18)
  local.writeUInt32LE(data.length, 22)
  local.writeUInt16LE(nameBytes.length, 26)
  const central = Buffer.alloc(46)
  central.writeUInt32LE(0x02014b50, 0)
  central.writeUInt16LE(20, 4)
  central.writeUInt16LE(20, 6)
  central.writeUInt32LE(crc, 16)
  central.writeUInt32LE(data.length, 20)
  central.writeUInt32LE(data.length, 24)
  central.writeUInt16LE(nameBytes.length, 28)
  const centralAt = local.length + nameBytes.length + data.length
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(1, 8)
  end.writeUInt16LE(1, 10)
  end.writeUInt32LE(central.length + nameBytes.length, 12)
  end.writeUInt32LE(centralAt, 16)
  return Buffer.concat([local, nameBytes, data, central, nameBytes, end])
}

const read = (path: string) =>
  readCsvFile(
    path,
    (header) => void resolveColumns(header),
    () => {},
  )

describe('readCsvFile', () => {
  it('says a folder is a folder, not that it does not exist', async () => {
    const dir = tempDir()
    await expect(read(dir)).rejects.toThrow(`${dir} is a folder, not a CSV file`)
  })

  it('recognises UTF-16 text (what Excel calls "Unicode Text") and asks for UTF-8', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${HEADER}\n${ROW}\n`, 'utf16le')])
    await expect(read(writeTempFile('d.csv', utf16))).rejects.toThrow(/is UTF-16 text, not UTF-8; nothing was imported/)
  })

  it('names a gzip-compressed export, a ZIP archive or Excel workbook, and an old .xls, with what to import instead', async () => {
    const text = `${HEADER}\n${ROW}\n`
    await expect(read(writeTempFile('d.csv.gz', gzipSync(text)))).rejects.toThrow(
      /d\.csv\.gz is gzip-compressed, not a CSV file: unpack it first .* and import the CSV inside; nothing was imported\.$/,
    )
    await expect(read(writeTempFile('deals.xlsx', storedZip('xl/worksheets/sheet1.xml', '<worksheet/>')))).rejects.toThrow(
      /deals\.xlsx is a ZIP archive or an Excel workbook \(\.xlsx\), not a CSV file: save the deals sheet as "CSV UTF-8"/,
    )
    const xls = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)])
    await expect(read(writeTempFile('deals.xls', xls))).rejects.toThrow(/deals\.xls is an Excel 97-2003 workbook \(\.xls\), not a CSV file/)
    // Other binary data still says it is not CSV, now with the way out.
    await expect(read(writeTempFile('d.bin', Buffer.from([0x01, 0x00, 0x02, 0x00, 0x41])))).rejects.toThrow(
      /contains binary data \(NUL bytes\), so it is not a CSV file; nothing was imported\. Export the deals as CSV \(UTF-8\)/,
    )
  })

  it('names the line of a stray NUL byte in a value of a CSV, far into the file or near its start, whatever its line ends', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `D${i},2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Open`)
    for (const end of ['\n', '\r\n', '\r']) {
      for (const at of [3, 4000]) {
        const lines = [HEADER, ...rows.slice(0, at - 2), `D${at},2024-01-02,,rep_1,Sa\u0000aS,EMEA,Core,Inbound,Demo,100,Open`]
        const file = writeTempFile('nul.csv', `${[...lines, ...rows.slice(at)].join(end)}${end}`)
        await expect(read(file)).rejects.toThrow(
          `${file} has a NUL byte (binary data) on line ${at.toLocaleString('en-US')}, which no CSV value holds; nothing was imported. Remove it from that line (or export the file again) and import it.`,
        )
      }
    }
  })

  it('refuses a line, or a quoted value never closed, that runs on past a million characters, naming the line, instead of crawling through it', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `D${i},2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Open`)
    const long = writeTempFile('long.csv', `${[HEADER, ...rows, `${ROW}x${'x'.repeat(1_000_001)}`, ROW].join('\r\n')}\r\n`)
    const started = Date.now()
    await expect(read(long)).rejects.toThrow(
      `${long} has a line (line 3,002) longer than 1,000,000 characters, which no deal's row is; nothing was imported.`,
    )
    expect(Date.now() - started).toBeLessThan(5_000)
    // A quote opened on line 3 and never closed: the rows after it would all be read into one value.
    const many = Array.from({ length: 20_000 }, (_, i) => `E${i},2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Open`)
    const open = writeTempFile('open.csv', `${[HEADER, ROW, ROW.replace('D1', 'D2').replace(',Open', ',"Open'), ...many].join('\n')}\n`)
    await expect(read(open)).rejects.toThrow(
      /open\.csv has a quoted value that runs on for more than 1,000,000 characters \(up to line [\d,]+\): a quote \("\) opened before it is never closed; nothing was imported\./,
    )
    // Long quoted values that close, however many (more than a million characters in all), and a line just under the limit are read.
    const note = `"${'a note, with a comma\n'.repeat(20_000)}"`
    const fine: string[][] = []
    await readCsvFile(
      writeTempFile(
        'notes.csv',
        `${HEADER},notes\n${ROW},${note}\n${ROW.replace('D1', 'D2')},${note}\n${ROW.replace('D1', 'D3')},${'b'.repeat(999_000)}\n`,
      ),
      (h) => fine.push(h),
      (fields) => fine.push(fields),
    )
    expect(fine.map((r) => r[0])).toEqual(['deal_id', 'D1', 'D2', 'D3'])
    expect(fine[3]?.[11]?.length).toBe(999_000)
  })

  it('recognises a JSON file instead of blaming its columns', async () => {
    const json = JSON.stringify([{ deal_id: 'D1', created_date: '2024-01-02', outcome: 'Won' }])
    await expect(read(writeTempFile('d.json', json))).rejects.toThrow(/looks like JSON, not CSV/)
    await expect(read(writeTempFile('d.json', '\n  {"deals": [1, 2]}\n'))).rejects.toThrow(/looks like JSON, not CSV/)
  })

  it('shows the headers it found when none of the required columns is there', async () => {
    await expect(read(writeTempFile('d.csv', 'Deal,Owner,Value\n1,a,2\n'))).rejects.toThrow(/The file's header is: Deal, Owner, Value\./)
  })

  it('keeps commas as the separator when another column holds semicolons (a one-row file with a stage history)', async () => {
    const header = `${HEADER},stage_history`
    const row = `${ROW},Qualified@2024-01-02;Demo@2024-01-09;Proposal@2024-01-20;Negotiation@2024-02-01`
    const rows: string[][] = []
    await readCsvFile(
      writeTempFile('d.csv', `${header}\n${row}\n`),
      (h) => rows.push(h),
      (fields) => rows.push(fields),
    )
    expect(rows.map((r) => r.length)).toEqual([12, 12])
  })

  it('reads a semicolon- or tab-separated export whose quoted header names hold commas by the separator between them', async () => {
    for (const sep of [';', '\t']) {
      const rows: Array<[string[], string]> = []
      const text = `${HEADER.replaceAll(',', sep)}${sep}"Notes, internal"${sep}"Value (EUR, net)"\r\n${ROW.replaceAll(',', sep)}${sep}x${sep}"1,5"\r\n`
      await readCsvFile(
        writeTempFile('d.csv', text),
        (h, delimiter) => rows.push([h, delimiter]),
        (fields) => rows.push([fields, '']),
      )
      expect(rows.map(([r, d]) => [r.length, d, r.at(-1)])).toEqual([
        [13, sep, 'Value (EUR, net)'],
        [13, '', '1,5'],
      ])
    }
    // A comma between quoted names is still the separator.
    const quoted = HEADER.split(',')
      .map((h) => `"${h}"`)
      .join(',')
    const rows: string[] = []
    await readCsvFile(
      writeTempFile('q.csv', `${quoted}\n${ROW}\n`),
      (_h, delimiter) => rows.push(delimiter),
      () => {},
    )
    expect(rows).toEqual([','])
  })

  it("reads the separator a first line sep=; names (Excel's own), and the header after it, counting that line", async () => {
    for (const sep of [';', ',', '\t']) {
      const rows: Array<[string, number]> = []
      const text = `\uFEFFsep=${sep}\r\n${HEADER.replaceAll(',', sep)}\r\n${ROW.replaceAll(',', sep)}\r\n`
      let header: string[] = []
      await readCsvFile(
        writeTempFile('d.csv', text),
        (h, delimiter) => {
          header = h
          rows.push([delimiter, 1])
        },
        (fields, line) => rows.push([fields[0] as string, line]),
      )
      expect(header, JSON.stringify(sep)).toEqual(HEADER.split(','))
      expect(rows).toEqual([
        [sep, 1],
        ['D1', 3],
      ])
    }
  })

  it('reads a semicolon- or tab-separated export by the separator its header uses', async () => {
    for (const sep of [';', '\t']) {
      const rows: string[][] = []
      const text = `\uFEFF${HEADER.replaceAll(',', sep)}\n${ROW.replaceAll(',', sep)}\n`
      await readCsvFile(
        writeTempFile('d.csv', text),
        (h) => rows.push(h),
        (fields) => rows.push(fields),
      )
      expect(rows.map((r) => r.length)).toEqual([11, 11])
    }
  })

  it('reads a quoted value that goes on after its closing quote as one value, and every row after it', async () => {
    const rows: Array<[string[], number, boolean | undefined]> = []
    const text = [
      HEADER,
      ROW,
      'D2,2024-01-02,,rep_1,"Acme" Inc,EMEA,Core,Inbound,Demo,100,Open',
      'D3,2024-01-02,,rep_1,"multi',
      'line" tail "x",EMEA,Core,Inbound,Demo,100,Open',
      'D4,2024-01-02,,rep_1,"Saa""S",EMEA,"Core"  ,Inbound,Demo,100,Open',
      'D5,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Open',
    ].join('\n')
    await readCsvFile(
      writeTempFile('q.csv', text),
      () => {},
      (fields, line, unclosed) => rows.push([fields, line, unclosed]),
    )
    expect(rows.map(([f, line, unclosed]) => [f[0], f[4], f[6], line, unclosed])).toEqual([
      ['D1', 'SaaS', 'Core', 2, undefined],
      ['D2', 'Acme Inc', 'Core', 3, undefined],
      ['D3', 'multi\nline tail "x"', 'Core', 4, undefined],
      ['D4', 'Saa"S', 'Core', 6, undefined],
      ['D5', 'SaaS', 'Core', 7, undefined],
    ])
  })

  it('marks a row whose value holds lines that look like rows (separators and a date), naming its last line, on any line end', async () => {
    for (const end of ['\n', '\r\n', '\r']) {
      const rows: Array<[string, number, unknown]> = []
      const text = [
        `${HEADER},,`,
        'D1,2024-01-02,,rep_1,"opened,EMEA,Core,Inbound,Demo,100,Open,,',
        'D2,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Open,,',
        'D3,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,"Open",,',
        'D4,2024-01-02,,rep_1,"a note, over, lines',
        'with, a few, commas",EMEA,Core,Inbound,Demo,100,Open,,',
        'D6,2024-01-02,,rep_1,"asked about: SSO',
        'SCIM, audit logs, SLAs, support, training, onboarding, pricing, legal, security, uptime, API",EMEA,Core,Inbound,Demo,100,Open,,',
        'D5,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Open,,',
      ].join(end)
      await readCsvFile(
        writeTempFile('swallow.csv', text),
        () => {},
        (fields, line, _unclosed, swallowed) => rows.push([fields[0] as string, line, swallowed]),
      )
      // The header's trailing empty names do not count: a row needs ten separators, not twelve.
      expect(rows, JSON.stringify(end)).toEqual([
        ['D1', 2, { lastLine: 4, rows: 2 }],
        ['D4', 5, undefined],
        ['D6', 7, undefined],
        ['D5', 9, undefined],
      ])
    }
  })

  it('marks the last row when the file ends inside a quoted value, and counts lone CR line ends', async () => {
    const rows: Array<[string, number, boolean | undefined]> = []
    const text = `${HEADER}\r${ROW}\rD2,2024-01-02,,rep_1,"two\rlines",EMEA,Core,Inbound,Demo,100,Open\rD3,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,"Open`
    await readCsvFile(
      writeTempFile('cut.csv', text),
      () => {},
      (fields, line, unclosed) => rows.push([fields[0] as string, line, unclosed]),
    )
    expect(rows).toEqual([
      ['D1', 2, undefined],
      ['D2', 3, undefined],
      ['D3', 5, true],
    ])
  })

  it('reads a file whose header ends in CRLF and whose rows end in LF (rows appended by another tool) row by row', async () => {
    const rows: Array<[string, string, number]> = []
    const text = `${HEADER}\r\n${ROW}\nD2,2024-01-02,,rep_1,"two\r\nlines",EMEA,Core,Inbound,Demo,100,Open\r\nD3,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Lost\n`
    await readCsvFile(
      writeTempFile('mixed.csv', text),
      () => {},
      (fields, line) => rows.push([fields[0] as string, fields.at(-1) as string, line]),
    )
    expect(rows).toEqual([
      ['D1', 'Open', 2],
      ['D2', 'Open', 3],
      ['D3', 'Lost', 5],
    ])
  })

  it('reads a CRLF file whose CR and LF fall in two chunks of the stream', async () => {
    // The stream reads 64 KiB at a time: pad the first row so that a CR is its last byte.
    const first = `${HEADER}\r\n`
    const pad = 64 * 1024 - 1 - first.length - ROW.length
    const lines = [`${ROW.replace('SaaS', 'S'.repeat(pad + 4))}`, 'D2,2024-01-02,,rep_1,SaaS,EMEA,Core,Inbound,Demo,100,Won']
    const file = writeTempFile('crlf.csv', `${first}${lines.join('\r\n')}\r\n`)
    const rows: Array<[string, string, number]> = []
    await readCsvFile(
      file,
      () => {},
      (fields, line) => rows.push([fields[0] as string, fields.at(-1) as string, line]),
    )
    expect(rows).toEqual([
      ['D1', 'Open', 2],
      ['D2', 'Won', 3],
    ])
  })
})
