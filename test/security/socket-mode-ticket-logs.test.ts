import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/log/create-logger.js'
import { boltLogger } from '../../src/slack/app/bolt-logger.js'

// In Socket Mode, `apps.connections.open` answers with a WebSocket URL whose `ticket` lets anyone
// open the app's connection (and receive its events). The Web API client logs that answer at
// debug level, as one string, through our logger.
describe('Socket Mode connection tickets never reach the log', () => {
  it('redacts the ticket of the WSS URL the Web API client logs', () => {
    const lines: string[] = []
    const logger = boltLogger(createLogger('trace', { write: (s: string) => void lines.push(s) }), 'slack-web-api')
    const ticket = '2b1f6c3e-9a7d-4f00-8e1b-5c0ffee12345'
    logger.debug(
      `http request result: {"ok":true,"url":"wss://wss-primary.slack.com/link/?ticket=${ticket}&app_id=A0123456789","response_metadata":{}}`,
    )
    const log = lines.join('')
    expect(log).toContain('wss-primary.slack.com/link/')
    expect(log).toContain('app_id=A0123456789')
    expect(log).not.toContain(ticket)
  })
})
