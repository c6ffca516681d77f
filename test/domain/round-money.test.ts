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

it('keeps 15 significant digits of a sum from 10^13 on, where a cent is past what two orders of adding agree on', () => {
  const amounts = [3, 3, 3, 3, 1e17]
  const forward = amounts.reduce((s, a) => s + a, 0)
  const backward = [...amounts].reverse().reduce((s, a) => s + a, 0)
  expect(forward).not.toBe(backward)
  expect(roundMoney(forward)).toBe(1e17)
  expect(roundMoney(backward)).toBe(1e17)
  expect(roundMoney(1123456789013566500)).toBe(1123456789013570000)
  expect(roundMoney(9999999999999.994)).toBe(9999999999999.99)
  expect(roundMoney(12345678901234.566)).toBe(12345678901234.6)
})

it('rounds a sum ending in half a cent the same way whatever order it was added in', () => {
  const amounts = [180479.005, 555415.995, 719786.115]
  const sums = [
    [0, 1, 2],
    [1, 2, 0],
    [2, 1, 0],
  ].map((order) => order.reduce((s, i) => s + (amounts[i] as number), 0))
  expect(new Set(sums).size).toBe(2)
  expect(sums.map(roundMoney)).toEqual([1455681.12, 1455681.12, 1455681.12])
  expect(roundMoney(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY)
  expect(roundMoney(Number.NaN)).toBeNaN()
})
