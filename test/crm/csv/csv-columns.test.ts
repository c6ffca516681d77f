import { describe, expect, it } from 'vitest'
import { checkColumnMap, parseColumnMap, resolveColumns } from '../../../src/crm/csv/csv-columns.js'

const HEADER =
  'Deal,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome,Last Touch'.split(',')

describe('resolveColumns', () => {
  it('reads mapped columns whatever the case and spaces of the header', () => {
    const layout = resolveColumns(HEADER, parseColumnMap(['deal_id=deal', 'last_activity_date= last touch ']))
    expect(layout.index).toMatchObject({ deal_id: 0, last_activity_date: 11 })
  })

  it('reads a --map whose column is in another case or whose header kept the quotes a shell would have removed', () => {
    const layout = resolveColumns(HEADER, parseColumnMap(['DEAL_ID="Deal"', "Last_Activity_Date='Last Touch'"]))
    expect(layout.index).toMatchObject({ deal_id: 0, last_activity_date: 11 })
    expect(() => parseColumnMap(['deal_id=""'])).toThrow('--map "deal_id=""" is not of the form column="Header Name"')
  })

  it('reads a --map header in the curly quotes a word processor or chat app puts around text copied from the docs', () => {
    const layout = resolveColumns(HEADER, parseColumnMap(['deal_id=\u201cDeal\u201d', 'last_activity_date=\u2018Last Touch\u2019']))
    expect(layout.index).toMatchObject({ deal_id: 0, last_activity_date: 11 })
  })

  it('refuses a --map naming a header the file lacks, even for an optional column', () => {
    expect(() => checkColumnMap(HEADER, parseColumnMap(['deal_id=Deal', 'last_activity_date=Last Activity']))).toThrow(
      '--map last_activity_date="Last Activity" names a header the file does not have; nothing was imported.',
    )
  })

  it('refuses a map under which two columns would read one header, naming both', () => {
    expect(() => checkColumnMap(HEADER, parseColumnMap(['deal_id=Deal', 'deal_name=Last Touch', 'currency=last touch']))).toThrow(
      '--map deal_name="Last Touch" and --map currency="last touch" would read the same header; nothing was imported. Give each column its own header.',
    )
    expect(() => checkColumnMap(HEADER, parseColumnMap(['deal_id=Deal', 'deal_stage=industry']))).toThrow(
      'column industry (its own header) and --map deal_stage="industry" would read the same header; nothing was imported. Give each column its own header, e.g. --map industry="Another Header".',
    )
    // Moving the other column to another header settles it.
    expect(() => checkColumnMap(HEADER, parseColumnMap(['deal_id=Deal', 'deal_stage=industry', 'industry=Last Touch']))).not.toThrow()
  })

  it("lists the file's header when a required column is mapped to a header the file lacks", () => {
    const header = HEADER.map((h) => (h === 'deal_amount' ? 'Amount' : h))
    expect(() => resolveColumns(header, parseColumnMap(['deal_id=Deal', 'deal_amount=Deal Value']))).toThrow(
      'The file lacks required column deal_amount (mapped to "Deal Value"); nothing was imported. Rename the header or map it, e.g. --map deal_amount="Your Header". The file\'s header is: Deal, created_date, closed_date, sales_rep_id, industry, region, product_type, lead_source, deal_stage, Amount, outcome, Last Touch.',
    )
  })

  it('lists only the headers no column reads when a required column is simply missing, where it may go by another name', () => {
    const header = HEADER.filter((h) => h !== 'deal_amount')
    expect(() => resolveColumns(header, parseColumnMap(['deal_id=Deal']))).toThrow(
      /lacks required column deal_amount; nothing was imported\. Rename the header or map it, e\.g\. --map deal_amount="Your Header"\. Headers not read: Last Touch\.$/,
    )
    const renamed = HEADER.map((h) => (h === 'deal_amount' ? 'Deal Value' : h))
    expect(() => resolveColumns(renamed, parseColumnMap(['deal_id=Deal']))).toThrow(/Headers not read: Deal Value, Last Touch\.$/)
  })

  it('offers the --map for each missing column a header spells another way (a CRM export), and only for one header each', () => {
    const header = [
      'Record ID',
      'Deal Name',
      'Create Date',
      'Deal Owner',
      'Industry',
      'Region',
      'Product',
      'Lead-Source',
      'Stage',
      'Amount',
      'Outcome',
    ]
    expect(() => resolveColumns(header)).toThrow(
      /e\.g\. --map created_date="Create Date" --map product_type="Product" --map lead_source="Lead-Source" --map deal_stage="Stage" --map deal_amount="Amount"\. Headers not read: Record ID, Deal Name, Deal Owner\.$/,
    )
    // Two headers that could both be the amount: neither is offered for it, both are listed.
    expect(() => resolveColumns([...header, 'Deal Amount'])).toThrow(
      /--map deal_stage="Stage"\. Headers not read: Record ID, Deal Name, Deal Owner, Amount, Deal Amount\.$/,
    )
  })

  it('lists the headers no column reads beside the maps it offers, when some missing column has no header that looks like it', () => {
    // A CRM export: `Create Date` looks like created_date, while the owner and the amount go by names
    // nothing can guess (`Deal Owner`, `Deal Value`). Without the list the user fixes created_date,
    // only to be refused again for the other two.
    const header = HEADER.map((h) =>
      h === 'created_date' ? 'Create Date' : h === 'sales_rep_id' ? 'Deal Owner' : h === 'deal_amount' ? 'Deal Value' : h,
    )
    expect(() => resolveColumns(header, parseColumnMap(['deal_id=Deal']))).toThrow(
      'The file lacks required columns created_date, sales_rep_id, deal_amount; nothing was imported. Rename the headers or map them, e.g. --map created_date="Create Date". Headers not read: Deal Owner, Deal Value, Last Touch.',
    )
    // Every missing column offered a header: nothing more to list.
    const guessable = HEADER.map((h) => (h === 'created_date' ? 'Create Date' : h))
    expect(() => resolveColumns(guessable, parseColumnMap(['deal_id=Deal']))).toThrow(/--map created_date="Create Date"\.$/)
  })

  it('offers the --map for closed_date too, which won and lost deals need, when a header spells it another way', () => {
    const header = HEADER.filter((h) => h !== 'deal_amount' && h !== 'closed_date')
    expect(() => resolveColumns([...header, 'Amount', 'Close Date'])).toThrow(
      /e\.g\. --map deal_amount="Amount" --map closed_date="Close Date"\. Headers not read: Deal, Last Touch\.$/,
    )
  })
})
