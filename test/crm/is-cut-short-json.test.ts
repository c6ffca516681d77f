import { describe, expect, it } from 'vitest'
import { isCutShortJson } from '../../src/crm/http/is-cut-short-json.js'

describe('isCutShortJson', () => {
  const whole = JSON.stringify({ results: [{ id: '1', properties: { dealname: 'Say "hi" [a] {b} \\ ok' } }], paging: null })

  it('is true for every cut of a JSON object before its end, inside strings and escapes too', () => {
    for (let n = 1; n < whole.length; n++) expect(isCutShortJson(whole.slice(0, n)), whole.slice(0, n)).toBe(true)
    expect(isCutShortJson('  [1, 2')).toBe(true)
  })

  it('is false for whole JSON, a body with something after its end, and a body that is no JSON at all', () => {
    expect(isCutShortJson(whole)).toBe(false)
    expect(isCutShortJson(`${whole}\n`)).toBe(false)
    expect(isCutShortJson('{"a":1}}')).toBe(false)
    expect(isCutShortJson('<html><body>Bad Gateway</body></html>')).toBe(false)
    expect(isCutShortJson('')).toBe(false)
    expect(isCutShortJson('upstream connect error')).toBe(false)
  })
})
