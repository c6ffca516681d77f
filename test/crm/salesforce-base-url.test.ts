import { describe, expect, it } from 'vitest'
import { salesforceBaseUrl } from '../../src/crm/salesforce/salesforce-base-url.js'

describe('salesforceBaseUrl', () => {
  it.each([
    ['https://acme.my.salesforce.com', 'https://acme.my.salesforce.com'],
    ['https://acme.my.salesforce.com//', 'https://acme.my.salesforce.com'],
    ['https://acme.my.salesforce.com/services/oauth2/token', 'https://acme.my.salesforce.com'],
    ['https://acme.my.salesforce.com/services/data/v66.0/', 'https://acme.my.salesforce.com'],
    ['https://acme.my.salesforce.com/?startURL=%2Fhome#top', 'https://acme.my.salesforce.com'],
    ['https://acme.my.salesforce.com/006XX000004TmiQYAS', 'https://acme.my.salesforce.com'],
    ['https://acme.my.salesforce.com/home/home.jsp', 'https://acme.my.salesforce.com'],
    ['https://acme.lightning.force.com/lightning/page/home', 'https://acme.my.salesforce.com'],
    [
      'https://acme--uat.sandbox.lightning.force.com/lightning/r/Opportunity/006XX000004TmiQYAS/view',
      'https://acme--uat.sandbox.my.salesforce.com',
    ],
  ])('reads %s as the My Domain URL %s', (pasted, base) => {
    expect(salesforceBaseUrl(pasted)).toBe(base)
  })

  it("keeps a proxy's own path prefix, cutting only Salesforce's paths after it", () => {
    expect(salesforceBaseUrl('https://proxy.example.com/salesforce/')).toBe('https://proxy.example.com/salesforce')
    expect(salesforceBaseUrl('https://proxy.example.com/salesforce/services/data/v66.0')).toBe('https://proxy.example.com/salesforce')
    expect(salesforceBaseUrl('http://127.0.0.1:8080/servicesx')).toBe('http://127.0.0.1:8080/servicesx')
  })
})
