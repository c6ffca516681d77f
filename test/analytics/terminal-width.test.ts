import stringWidth from 'string-width'
import { expect, it } from 'vitest'
import { terminalWidth } from '../../src/analytics/terminal-width.js'

const SAMPLES = [
  '',
  'D0000001',
  'Negotiation',
  'Closed Won (pending)',
  'Café-1',
  'Cafe\u0301-1',
  '商談',
  'Angebot 📄',
  'tab\there',
  'bell\u0007',
  'del\u007f',
  '\u001b[31mred\u001b[0m',
  'nbsp\u00a0space',
  'zero\u200bwidth',
]

it('counts the columns a text takes on a terminal as string-width does, plain ASCII and any other text alike', () => {
  const ascii = Array.from({ length: 128 }, (_, code) => `a${String.fromCharCode(code)}b`)
  for (const text of [...SAMPLES, ...ascii]) expect(terminalWidth(text), JSON.stringify(text)).toBe(stringWidth(text))
})

it('gives a CJK character two columns and a combining accent none', () => {
  expect(terminalWidth('商談')).toBe(4)
  expect(terminalWidth('Cafe\u0301')).toBe(4)
})
