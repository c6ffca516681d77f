import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { webApi } from '@slack/bolt'
import { describe, expect, it } from 'vitest'
import { createLogger, redactText } from '../../src/log/create-logger.js'

const BOT = 'xoxb-1111-2222-SECRETBOT'
const ACCESS = '00Dxx0000001gPF!AQ0AQSECRETACCESS'

function capture(level = 'trace') {
  const lines: string[] = []
  const logger = createLogger(level, { write: (s: string) => void lines.push(s) })
  return { logger, text: () => lines.join('') }
}

describe('createLogger redaction', () => {
  it('redacts secret fields at any depth, in arrays and in error objects carrying request headers', () => {
    const { logger, text } = capture()
    const err = Object.assign(new Error('request failed'), {
      config: { url: 'https://crm.example/api', headers: { Authorization: `Bearer ${ACCESS}`, 'X-Slack-Signature': 'v0=abc123sig' } },
      original: { request: { options: { headers: { authorization: `Bearer ${BOT}` } } } },
    })
    logger.error({ err, nested: { a: { b: { c: { client_secret: 'sf-client-secret-XYZ', password: 'pg-pass-XYZ' } } } } }, 'boom')
    logger.error({ error: err, list: [{ accessToken: ACCESS }], response_url: 'http://127.0.0.1:9/respond/r1' }, 'again')
    const out = text()
    for (const secret of [ACCESS, BOT, 'abc123sig', 'sf-client-secret-XYZ', 'pg-pass-XYZ', '/respond/r1']) expect(out).not.toContain(secret)
    expect(out).toContain('https://crm.example/api')
    expect(out).toContain('request failed')
  })

  it('redacts secrets inside text: messages, error messages and echoed bodies', () => {
    const { logger, text } = capture()
    logger.warn(`connecting to postgres://pulse:pg-pass-XYZ@db.internal:5432/pulse with ${BOT}`)
    logger.error({ err: new Error(`upstream said {"access_token":"${ACCESS}"} and token=${ACCESS}&x=1`) }, 'sync failed')
    logger.info({ body: 'Authorization: Bearer abc.def-ghi' }, 'https://hooks.slack.com/commands/T1/123/SECRETHOOK')
    logger.debug(`retrying with authorization: Bearer ${ACCESS}`)
    const out = text()
    for (const secret of [BOT, ACCESS, 'pg-pass-XYZ', 'abc.def-ghi', 'SECRETHOOK']) expect(out).not.toContain(secret)
    expect(out).toContain('db.internal:5432')
  })

  it('keeps secrets out when a Slack Web API error carries the token echoed by the server', async () => {
    const server = createServer((req, res) => {
      res.writeHead(500, { 'x-echo': String(req.headers.authorization) }).end(`boom ${req.headers.authorization}`)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const client = new webApi.WebClient(BOT, { slackApiUrl: `http://127.0.0.1:${port}/api/`, retryConfig: { retries: 0 } })
      const { logger, text } = capture()
      const error = await client.auth.test().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(Error)
      logger.error({ err: error }, 'auth.test failed')
      logger.error(error as Error)
      expect(text()).toContain('auth.test failed')
      expect(text()).not.toContain(BOT)
    } finally {
      server.close()
    }
  })

  it('leaves ordinary text alone', () => {
    expect(redactText('Imported 120 deals from deals.csv (tokenHash kept)')).toBe('Imported 120 deals from deals.csv (tokenHash kept)')
  })

  it("keeps the name of Slack's Basic Information page in a fix, while Basic credentials are still redacted", () => {
    const fix = "copy it from Basic Information in the app's settings (not the client secret or a token)"
    expect(redactText(fix)).toBe(fix)
    // base64 of "ana:s3cret", and a credential that reads as one capitalised word but decodes to a colon.
    const credentials = [Buffer.from('ana:s3cret').toString('base64'), 'Aifttjorwmns']
    expect(Buffer.from('Aifttjorwmns', 'base64').toString('latin1')).toContain(':')
    for (const credential of credentials) {
      const text = redactText(`retrying with Authorization: Basic ${credential}`)
      expect(text).not.toContain(credential)
      expect(text).toContain('Basic [redacted]')
    }
    expect(redactText('Authorization: Bearer Information')).toBe('Authorization: Bearer [redacted]')
  })
})
