import { describe, expect, it } from 'vitest'
import { amountBand, NO_AMOUNT_BAND } from '../../src/domain/amount-band.js'
import { amountCurrencies, describeNode, idleReason, segmentLabelIn, stageReason } from '../../src/model/deal-reasons.js'
import type { FeatureEncoding } from '../../src/model/feature-encoding.js'
import { regionBandOf, unseenValues } from '../../src/model/feature-encoding.js'
import type { FlatTree } from '../../src/model/flat-tree.js'

/** A root split on the first feature at `threshold`: node 1 takes codes below it, node 2 the rest. */
function oneSplit(threshold: number): FlatTree {
  return {
    column: Int32Array.from([0, -1, -1]),
    threshold: Float64Array.from([threshold, 0, 0]),
    left: Int32Array.from([1, -1, -1]),
    right: Int32Array.from([2, -1, -1]),
    parent: Int32Array.from([-1, 0, 0]),
    depth: Int32Array.from([0, 1, 1]),
    gain: Float64Array.from([0.1, 0, 0]),
  }
}

describe('describeNode', () => {
  it('names region/amount-band segments without a comma inside each, so the conditions after them read apart', () => {
    const values = [
      regionBandOf('EMEA', amountBand(60_000)),
      regionBandOf('APAC', amountBand(150_000)),
      regionBandOf('LATAM', amountBand(5_000)),
      regionBandOf('North America', amountBand(20_000)),
    ]
    const encoding: FeatureEncoding = {
      features: [{ name: 'region_amount_band', kind: 'category', values, unknownCode: 2 }],
      priorWinRate: 0.3,
      smoothingDeals: 10,
    }
    expect(describeNode(oneSplit(1.5), encoding, 1)).toBe('EMEA $50k-100k or APAC $100k+')
    expect(describeNode(oneSplit(1.5), encoding, 2)).toBe('LATAM under $10k or North America $10k-50k')
    expect(describeNode(oneSplit(0.5), encoding, 2)).toBe('APAC $100k+ or LATAM under $10k or North America $10k-50k')
  })

  it('names the deals a CRM gave no amount as such, not as deals under $10k', () => {
    const values = [regionBandOf('EMEA', NO_AMOUNT_BAND), regionBandOf('EMEA', amountBand(0)), regionBandOf('APAC', amountBand(150_000))]
    const encoding: FeatureEncoding = {
      features: [{ name: 'region_amount_band', kind: 'category', values, unknownCode: 2 }],
      priorWinRate: 0.3,
      smoothingDeals: 10,
    }
    expect(describeNode(oneSplit(0.5), encoding, 1)).toBe('EMEA no amount')
    expect(describeNode(oneSplit(0.5), encoding, 2)).toBe('EMEA under $10k or APAC $100k+')
  })

  it('says a deal the CRM gave no amount has none, and what the tree counted it as, instead of a range it is not in', () => {
    const encoding: FeatureEncoding = {
      features: [{ name: 'amount', kind: 'binned', edges: [5_000, 20_000, 64_000] }],
      priorWinRate: 0.3,
      smoothingDeals: 10,
    }
    expect(describeNode(oneSplit(0.5), encoding, 1)).toBe('under $5k')
    expect(describeNode(oneSplit(0.5), encoding, 1, new Map([[0, '']]))).toBe('no amount in the CRM (counted as under $5k)')
    const raw = { categories: ['EMEA', 'SaaS', 'Core', 'Inbound', 'EMEA, no amount'], amount: 0, ownerWon: 2, ownerClosed: 5 }
    expect(unseenValues(encoding, { ...raw, amountMissing: true })).toEqual(new Map([[0, '']]))
    expect(unseenValues(encoding, { ...raw, amountMissing: false })).toBeNull()
  })
})

describe('describeNode in the deals’ currencies', () => {
  const bands: FeatureEncoding = {
    features: [
      {
        name: 'region_amount_band',
        kind: 'category',
        values: [
          regionBandOf('EMEA', amountBand(60_000)),
          regionBandOf('APAC', amountBand(150_000)),
          regionBandOf('LATAM', amountBand(5_000)),
        ],
        unknownCode: 1,
      },
    ],
    priorWinRate: 0.3,
    smoothingDeals: 10,
  }
  const bins: FeatureEncoding = {
    features: [{ name: 'amount', kind: 'binned', edges: [5_000, 20_000, 64_000] }],
    priorWinRate: 0.3,
    smoothingDeals: 10,
  }

  it('writes the bands in the one currency of the deals, dollars as before', () => {
    expect(describeNode(oneSplit(1.5), bands, 1, null, ['EUR'])).toBe('EMEA 50k-100k EUR or APAC 100k EUR+')
    expect(describeNode(oneSplit(1.5), bands, 2, null, ['GBP'])).toBe('LATAM under 10k GBP')
    expect(describeNode(oneSplit(0.5), bins, 1, null, ['EUR'])).toBe('under 5k EUR')
    expect(describeNode(oneSplit(2.5), bins, 2, null, ['EUR'])).toBe('64k EUR+')
    expect(describeNode(oneSplit(0.5), bins, 1, new Map([[0, '']]), ['EUR'])).toBe('no amount in the CRM (counted as under 5k EUR)')
    for (const dollars of [[], [null], ['USD'], ['USD', null]])
      expect(describeNode(oneSplit(1.5), bands, 1, null, dollars)).toBe('EMEA $50k-100k or APAC $100k+')
  })

  it('writes mixed currencies as bare figures once, naming them, and only where an amount is asked', () => {
    expect(describeNode(oneSplit(1.5), bands, 1, null, ['EUR', 'USD'])).toBe(
      "EMEA 50k-100k or APAC 100k+ (amounts in each deal's own currency, not converted: EUR, USD)",
    )
    expect(describeNode(oneSplit(0.5), bins, 2, null, ['EUR', null])).toBe(
      "5k+ (amounts in each deal's own currency, not converted: EUR, none stated)",
    )
    const region: FeatureEncoding = { ...bands, features: [{ name: 'region', kind: 'category', values: ['EMEA', 'APAC'], unknownCode: 1 }] }
    expect(describeNode(oneSplit(0.5), region, 1, null, ['EUR', 'USD'])).toBe('EMEA')
  })

  it('adds a deal’s own currency to the model’s when the model has none of its unit', () => {
    expect(amountCurrencies(['EUR', 'USD'], 'eur')).toEqual(['EUR', 'USD'])
    expect(amountCurrencies([null], 'USD')).toEqual([null])
    expect(amountCurrencies([null], 'EUR')).toEqual(['EUR', null])
    expect(amountCurrencies(['GBP'], null)).toEqual(['GBP', null])
    expect(segmentLabelIn('EMEA, $50k-100k', ['EUR'])).toBe('EMEA, 50k-100k EUR')
    expect(segmentLabelIn('EMEA, no amount', ['EUR', 'USD'])).toBe('EMEA, no amount')
    expect(segmentLabelIn('EMEA', ['EUR', 'USD'])).toBe('EMEA')
    expect(segmentLabelIn('EMEA, $100k+', [null])).toBe('EMEA, $100k+')
  })
})

describe('idleReason and stageReason', () => {
  it('group their day counts like every other count, and count one day in the singular', () => {
    expect(idleReason(1204, 1000)).toBe('No activity for 1,204 days (the idle limit is 1,000)')
    expect(idleReason(1, 14)).toBe('Last activity 1 day ago')
    expect(idleReason(1204, 14, { kind: 'update' })).toBe('No activity recorded; record last updated 1,204 days ago (the idle limit is 14)')
    const norm = { median: 1100, p90: 1900, n: 40 }
    expect(stageReason('Negotiation', 2007, norm)).toBe('In Negotiation 2,007 days; 90% of won deals leave it within 1,900')
    expect(stageReason('Negotiation', 1204, norm)).toBe('In Negotiation 1,204 days; half of won deals leave it within 1,100')
    expect(stageReason('Negotiation', 1, norm, 'created')).toBe(
      'In Negotiation up to 1 day (no stage entry date; counted from its creation), within the usual time (half of won deals leave it within 1,100)',
    )
  })
})
