import { expect, it } from 'vitest'
import { roundMoney } from '../../src/domain/round-money.js'

it('rounds a sum of amounts to the cent whatever order it was added in', () => {
  const amounts = [0.1, 0.2, 0.3]
  const forward = amounts.reduce((s, a) => s + a, 0)
  const backward = [...amounts].reverse().reduce((s, a) => s + a, 0)
  expect(forward).not.toBe(backward)
  expect(roundMoney(forward)).toBe(0.6)
  expect(roundMoney(backward)).toBe(0.6)
  expect(roundMoney(0)).toBe(0)
  expect(roundMoney(1e300)).toBe(1e300)
})
