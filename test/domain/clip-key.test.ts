import { expect, it } from 'vitest'
import { clipKey, MAX_KEY_BYTES } from '../../src/domain/clip-key.js'

it('keeps a value of up to 1,000 UTF-8 bytes, and cuts a longer one between characters', () => {
  expect(clipKey('EMEA')).toBe('EMEA')
  expect(clipKey('a'.repeat(MAX_KEY_BYTES))).toBe('a'.repeat(MAX_KEY_BYTES))
  expect(clipKey('a'.repeat(MAX_KEY_BYTES + 1))).toBe('a'.repeat(MAX_KEY_BYTES))
  // 'é' is 2 bytes and '😀' 4: the cut never splits one.
  expect(clipKey(`a${'é'.repeat(600)}`)).toBe(`a${'é'.repeat(499)}`)
  const emoji = clipKey('😀'.repeat(300))
  expect(emoji).toBe('😀'.repeat(250))
  expect(Buffer.byteLength(emoji)).toBe(1000)
})
