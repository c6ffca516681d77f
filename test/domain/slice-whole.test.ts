import { describe, expect, it } from 'vitest'
import { sliceWhole } from '../../src/domain/slice-whole.js'

/** True when `text` holds half of a surrogate pair. */
const loneHalf = (text: string) => /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)

describe('sliceWhole', () => {
  it('cuts before an emoji rather than through it, and leaves short text alone', () => {
    expect(sliceWhole('ab🚀cd', 3)).toBe('ab')
    expect(sliceWhole('ab🚀cd', 4)).toBe('ab🚀')
    expect(sliceWhole('abc', 3)).toBe('abc')
    expect(sliceWhole('abcd', 2)).toBe('ab')
  })

  it('never leaves half a pair, at any cut', () => {
    const text = 'Müller 🚀🇩🇪 名前 👩‍💻'.repeat(3)
    for (let max = 0; max <= text.length; max++) {
      const cut = sliceWhole(text, max)
      expect(loneHalf(cut)).toBe(false)
      expect(cut.length).toBeGreaterThanOrEqual(max - 1)
      expect(text.startsWith(cut)).toBe(true)
    }
  })
})
