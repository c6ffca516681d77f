import Papa from 'papaparse'
import { describe, expect, it } from 'vitest'
import { createStrayQuoteRepair } from '../../../src/crm/csv/create-stray-quote-repair.js'

/** The text through the repair in pieces of `size` characters, then parsed by Papa Parse. */
function readIn(text: string, size: number, delimiter = ',') {
  const repair = createStrayQuoteRepair(delimiter)
  let out = ''
  for (let i = 0; i < text.length; i += size) out += repair.next(text.slice(i, i + size))
  out += repair.end()
  return { rows: Papa.parse<string[]>(out, { delimiter }).data, out, unclosed: repair.endedInQuotes(), repaired: repair.repaired() }
}

describe('createStrayQuoteRepair', () => {
  // Each case as Python's csv module reads it (spreadsheets agree).
  const cases: Array<[string, string[][]]> = [
    [
      'a,"Acme" Inc,b\nc,d,e\n',
      [
        ['a', 'Acme Inc', 'b'],
        ['c', 'd', 'e'],
      ],
    ],
    [
      'a,"x" y "z",b\n1,2,3\n',
      [
        ['a', 'x y "z"', 'b'],
        ['1', '2', '3'],
      ],
    ],
    [
      'a,"multi\nline" tail,b\nc,d,e\n',
      [
        ['a', 'multi\nline tail', 'b'],
        ['c', 'd', 'e'],
      ],
    ],
    [
      '"a" b,c\r\n1,2\r\n',
      [
        ['a b', 'c'],
        ['1', '2'],
      ],
    ],
    ['a,"ok ""quoted""",b\n', [['a', 'ok "quoted"', 'b']]],
    ['a,mid"dle,b\n', [['a', 'mid"dle', 'b']]],
    ['a, "spaced" ,b\n', [['a', ' "spaced" ', 'b']]],
    ['a,"trailing spaces"   ,b\n', [['a', 'trailing spaces', 'b']]],
    ['a,"at the end" x', [['a', 'at the end x']]],
  ]
  it('reads a value that goes on after its closing quote as spreadsheets do, however the text is split', () => {
    for (const [text, want] of cases) {
      for (const size of [1, 2, 3, 5, 7, 4096]) {
        const got = readIn(text, size).rows.filter((r) => !(r.length === 1 && r[0] === ''))
        expect(got, `${JSON.stringify(text)} in pieces of ${size}`).toEqual(want)
      }
    }
  })

  it('passes text without quotes through unchanged and counts what it repaired', () => {
    const plain = 'a,b,c\n1,2,3\n'
    expect(readIn(plain, 4)).toMatchObject({ out: plain, repaired: 0, unclosed: false })
    expect(readIn('a,"Acme" Inc,"B" c\n', 3).repaired).toBe(2)
  })

  it('tells when the text ends inside a quoted value', () => {
    expect(readIn('a,b,"Won', 2).unclosed).toBe(true)
    expect(readIn('a,b,"Won"', 2).unclosed).toBe(false)
    expect(readIn('a;"x" y;c\n', 1, ';').rows[0]).toEqual(['a', 'x y', 'c'])
  })

  it('ends a quoted value at a tab when tabs separate the fields, and skips a tab before a comma as a space', () => {
    const tabs = readIn('"a"\t"b, c"\t"d" e', 1, '\t')
    expect([tabs.rows[0], tabs.repaired]).toEqual([['a', 'b, c', 'd e'], 1])
    const commas = readIn('"a"\t,"b"', 1)
    expect([commas.rows[0], commas.repaired]).toEqual([['a', 'b'], 0])
  })
})
