import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SlackFake, waitFor } from '../fakes/slack-fake.js'
import { freePort, spawnPulse } from '../helpers/pulse-process.js'
import { tempDir } from '../helpers/test-store.js'

describe('pulse serve in Socket Mode when the WebSocket cannot be opened', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'stops on the first %s while it is still trying to connect, instead of retrying for ever',
    async (signal) => {
      const fake = await new SlackFake({ appToken: 'xapp-test-app-token' }).start()
      // apps.connections.open answers, but the socket it names is cut at its handshake, as a proxy that blocks WebSockets does.
      fake.refuseSockets = true
      const serve = spawnPulse(['serve', '--db', join(tempDir('pulse-serve-socket-'), 'pulse.db')], {
        SLACK_BOT_TOKEN: fake.token,
        SLACK_APP_TOKEN: 'xapp-test-app-token',
        SLACK_SIGNING_SECRET: '',
        SLACK_API_URL: fake.apiUrl,
        PORT: String(await freePort()),
        PULSE_LOG_LEVEL: 'silent',
      })
      try {
        // One call checks the app token, the next ones open the socket that is then refused.
        await waitFor(() => fake.callsOf('apps.connections.open').length >= 2, 30_000, `a socket attempt (${serve.stderr})`)
        // Between two attempts, as Bolt waits 5 s before the next (a stop while the socket is still
        // opening leaves Bolt's 30 s close-handshake timer behind, which this does not test).
        await new Promise((resolve) => setTimeout(resolve, 1000))
        serve.child.kill(signal)
        const stopping = Date.now()
        const outcome = await Promise.race([
          serve.exited,
          new Promise((resolve) => setTimeout(() => resolve('still running 10 s after the signal'), 10_000)),
        ])
        expect(outcome).toBe(0)
        expect(Date.now() - stopping).toBeLessThan(10_000)
        expect(serve.signal).toBeNull()
        expect(serve.stderr).toContain('Stopped before it had started.')
        expect(serve.stderr).not.toContain('xapp-test-app-token')
      } finally {
        serve.child.kill('SIGKILL')
        await serve.exited
        await fake.stop()
      }
    },
    60_000,
  )

  it('with PULSE_PUBLIC_URL, stops at start naming a PORT another program holds (where it serves the charts), not with a crash; without it, listens on no port', async () => {
    const fake = await new SlackFake({ appToken: 'xapp-test-app-token' }).start()
    const other = createServer()
    await new Promise<void>((resolve) => other.listen(0, resolve))
    const port = (other.address() as AddressInfo).port
    const serve = (publicUrl: string) =>
      spawnPulse(['serve', '--db', join(tempDir('pulse-serve-socket-'), 'pulse.db')], {
        SLACK_BOT_TOKEN: fake.token,
        SLACK_APP_TOKEN: 'xapp-test-app-token',
        SLACK_SIGNING_SECRET: '',
        SLACK_API_URL: fake.apiUrl,
        PORT: String(port),
        PULSE_PUBLIC_URL: publicUrl,
        PULSE_LOG_LEVEL: 'warn',
      })
    try {
      const charts = serve('https://pulse.example.com')
      const outcome = await Promise.race([
        charts.exited,
        new Promise((resolve) => setTimeout(() => resolve('still running after 20 s'), 20_000)),
      ])
      charts.child.kill('SIGKILL')
      expect(outcome).toBe(1)
      expect(charts.stderr).toBe(`Port ${port} is already in use by another program. Stop it, or set PORT to a free port.\n`)
      // No public URL, no charts to serve: Socket Mode needs no port, so one in use is no matter.
      const plain = serve('')
      try {
        await waitFor(() => plain.stderr.includes('connected to Slack (Socket Mode)'), 30_000, `Socket Mode to start (${plain.stderr})`)
        expect(fake.socketCount).toBe(1)
      } finally {
        plain.child.kill('SIGTERM')
      }
      expect(await plain.exited).toBe(0)
      expect(plain.stderr).not.toContain('already in use')
    } finally {
      other.close()
      await fake.stop()
    }
  }, 90_000)

  it("with PULSE_PUBLIC_URL and PORT=0, names on stderr the port the system picked for the Home tab's charts, and serves them there", async () => {
    const fake = await new SlackFake({ appToken: 'xapp-test-app-token' }).start()
    const serve = spawnPulse(['serve', '--db', join(tempDir('pulse-serve-socket-'), 'pulse.db')], {
      SLACK_BOT_TOKEN: fake.token,
      SLACK_APP_TOKEN: 'xapp-test-app-token',
      SLACK_SIGNING_SECRET: '',
      SLACK_API_URL: fake.apiUrl,
      PORT: '0',
      PULSE_PUBLIC_URL: 'https://pulse.example.com',
      PULSE_LOG_LEVEL: 'warn',
    })
    try {
      await waitFor(() => serve.stderr.includes('connected to Slack (Socket Mode)') || serve.child.exitCode !== null, 30_000, serve.stderr)
      const port = Number(/serving the Home tab's charts on port (\d+)/.exec(serve.stderr)?.[1])
      expect(port, serve.stderr).toBeGreaterThan(0)
      // An unknown chart token: the route answers (not found), so the port is the one listened on.
      const answer = await fetch(`http://127.0.0.1:${port}/charts/unknown.png`)
      expect(answer.status).toBe(404)
    } finally {
      serve.child.kill('SIGTERM')
    }
    expect(await serve.exited).toBe(0)
    await fake.stop()
  }, 60_000)
})
