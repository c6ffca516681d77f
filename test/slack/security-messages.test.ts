import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/errors.js'
import { userFacingError } from '../../src/slack/app/user-facing-error.js'

describe('what Slack users see when something fails', () => {
  it('never carries a token, password or response URL, even when a CRM or database echoes one in its error', () => {
    const echoed = [
      new AppError('crm_bad_response', 'Salesforce rejected the query (401: Bearer 00DXX0000008abc!AQ0AQSECRET). Check the app.'),
      new AppError('crm_unavailable', 'HubSpot answered {"token":"pat-na1-SECRETHS"} and access_token=SECRETAT'),
      new AppError('bad_config', 'Cannot reach postgres://pulse:SECRETPW@db.internal:5432/pulse (ECONNREFUSED).'),
      new AppError('slack_error', 'Slack refused xoxb-123-SECRETBOT at https://hooks.slack.com/commands/T1/2/SECRETHOOK'),
    ]
    for (const error of echoed) {
      const text = userFacingError(error)
      expect(text).not.toMatch(/SECRET/)
    }
    expect(userFacingError(echoed[2])).toContain('db.internal:5432')
  })

  it('shows a plain sentence, never the raw error, for anything else', () => {
    const raw = Object.assign(new Error('connect ECONNREFUSED with xoxb-1-SECRET'), { config: { headers: { authorization: 'Bearer x' } } })
    expect(userFacingError(raw)).not.toContain('SECRET')
    expect(userFacingError(raw)).toContain('Something went wrong')
  })
})
