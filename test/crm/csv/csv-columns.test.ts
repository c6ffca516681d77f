import { describe, expect, it } from 'vitest'
import { checkColumnMap, parseColumnMap, resolveColumns } from '../../../src/crm/csv/csv-columns.js'

const HEADER =
  'Deal,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,Last Touch'.split(',')

describe('resolveColumns', () => {
  it('reads mapped columns whatever the case and spaces of the header', () => {
    const layout = resolveColumns(HEADER, parseColumnMap(['deal_id=deal', 'last_activity_date= last touch ']))
    expect(layout.index).toMatchObject({ deal_id: 0, last_activity_date: 11 })
  })

  it('refuses a --map naming a header the file lacks, even for an optional column', () => {
    expect(() => checkColumnMap(HEADER, parseColumnMap(['deal_id=Deal', 'last_activity_date=Last Activity']))).toThrow(
      '--map last_activity_date="Last Activity" names a header the file does not have; nothing was imported.',
    )
  })
})
