const REGIONS = ['North America', 'EMEA', 'APAC', 'LATAM']

/**
 * A deals CSV where four reps per region (rep_1 to rep_16, rep_5 to rep_8 in EMEA) each sell only
 * there, 200 closed deals each in 2024 (half Core, half Pro): every EMEA rep wins 40 (20%), every
 * other rep 70 (35%). EMEA loses more; no rep differs from the rest of their region.
 */
export function nestedRepsCsv(): string {
  const lines = ['deal_id,created_date,closed_date,sales_rep_id,industry,region,product_type,lead_source,deal_stage,deal_amount,outcome']
  let id = 0
  REGIONS.forEach((region, r) => {
    for (let k = 1; k <= 4; k++) {
      const rep = `rep_${r * 4 + k}`
      const won = region === 'EMEA' ? 40 : 70
      for (let i = 0; i < 200; i++) {
        id++
        const month = String((id % 11) + 1).padStart(2, '0')
        const outcome = i % 100 < won / 2 ? 'Won' : 'Lost'
        const product = i < 100 ? 'Core' : 'Pro'
        lines.push(
          `D${id},2024-${month}-01,2024-${month}-20,${rep},SaaS,${region},${product},Inbound,${outcome === 'Won' ? 'Closed' : 'Proposal'},20000,${outcome}`,
        )
      }
    }
  })
  return `${lines.join('\n')}\n`
}
