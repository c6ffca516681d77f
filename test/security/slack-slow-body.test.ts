import { createServer, type RequestListener } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../src/log/create-logger.js'
import { guardSlackRequests } from '../../src/slack/app/guard-slack-requests.js'

// The guard in front of Bolt, on a real port: a client that trickles its body is let go quickly.
describe('POST /slack/events with a body that keeps coming slowly', () => {
  const reached: string[] = []
  const bolt: RequestListener = (req, res) => {
    reached.push(String((req as { rawBody?: Buffer }).rawBody ?? ''))
    res.writeHead(200).end()
  }
  const server = createServer(guardSlackRequests(bolt, silentLogger(), Date.now, 300))
  let port = 0
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => {
    server.closeAllConnections()
    server.close()
  })

  // Sends the head and the first bytes of a 1 MB form body, then nothing more; resolves with what came back and whether the server hung up.
  function trickle(): Promise<{ answer: string; closed: boolean; ms: number }> {
    return new Promise((resolve) => {
      const started = Date.now()
      const socket = connect(port, '127.0.0.1')
      let answer = ''
      const done = (closed: boolean) => {
        clearTimeout(giveUp)
        socket.destroy()
        resolve({ answer, closed, ms: Date.now() - started })
      }
      const giveUp = setTimeout(() => done(false), 3_000)
      socket.on('data', (d) => {
        answer += d.toString()
      })
      socket.on('close', () => done(true))
      socket.on('error', () => undefined)
      socket.write(
        [
          'POST /slack/events HTTP/1.1',
          'Host: localhost',
          'Content-Type: application/x-www-form-urlencoded',
          `X-Slack-Request-Timestamp: ${Math.floor(Date.now() / 1000)}`,
          'X-Slack-Signature: v0=00',
          'Content-Length: 1048576',
          '',
          'token=x&text=',
        ].join('\r\n'),
      )
    })
  }

  it('answers 408 and hangs up once the body has taken too long, without handing it on', async () => {
    const { answer, closed, ms } = await trickle()
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    expect(closed).toBe(true)
    expect(ms).toBeLessThan(2_000)
    expect(reached).toEqual([])
    // A body that arrives at once is handed on as before.
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'command=%2Fpulse',
    })
    expect(res.status).toBe(200)
    expect(reached).toEqual(['command=%2Fpulse'])
  })
})
