import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createCrmHttp, describeBody, retryAfterMs, said } from '../../src/crm/http/crm-http.js'
import { createPacer } from '../../src/crm/http/pacer.js'
import { AppError } from '../../src/errors.js'
import { virtualClock } from '../helpers/virtual-clock.js'

/** A fetch that hangs (until aborted) for the first `hangs` calls, then answers `{"ok":true}`. */
function hangingFetch(hangs: number) {
  let calls = 0
  const f = (async (_url: string, init?: RequestInit) => {
    calls++
    if (calls <= hangs) {
      return new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))
      })
    }
    return new Response('{"ok":true}', { status: 200 })
  }) as unknown as typeof fetch
  return { f, calls: () => calls }
}

const base = {
  service: 'HubSpot',
  authorize: async () => ({ authorization: 'Bearer secret-token' }),
  authError: () => new AppError('crm_auth', 'Set HUBSPOT_TOKEN.'),
  backoffBaseMs: 10,
  random: () => 0.5,
}

describe('createCrmHttp', () => {
  it('times out a request that does not answer, retries it, and gives up naming the endpoint', async () => {
    const twice = hangingFetch(2)
    const clock = virtualClock()
    const http = createCrmHttp({ ...base, fetch: twice.f, clock, timeoutMs: 50 })
    const res = await http.send({ method: 'GET', url: 'http://crm/x', endpoint: 'GET /x' })
    expect(res.body).toEqual({ ok: true })
    expect(twice.calls()).toBe(3)
    expect(clock.sleeps).toEqual([7.5, 15]) // backoff 10 ms then 20 ms, times 0.75 jitter

    const always = hangingFetch(100)
    const error = await createCrmHttp({ ...base, fetch: always.f, clock: virtualClock(), timeoutMs: 20, maxRetries: 2 })
      .send({ method: 'POST', url: 'http://crm/y', endpoint: 'POST /crm/v3/objects/deals/search' })
      .catch((e) => e)
    expect(error.code).toBe('crm_unavailable')
    expect(error.message).toContain('POST /crm/v3/objects/deals/search')
    expect(error.message).toContain('no answer within 0.02 s')
    expect(error.message).not.toContain('secret-token')
    expect(always.calls()).toBe(3)
  })

  it('waits out a short Retry-After (on 429 and 5xx alike) but stops on one longer than a sync should sit through', async () => {
    const answers = [
      new Response('{"message":"busy"}', { status: 503, headers: { 'retry-after': '2' } }),
      new Response('{"ok":true}', { status: 200 }),
      new Response('{"status":"error","message":"You have reached your secondly limit."}', {
        status: 429,
        headers: { 'retry-after': '3600' },
      }),
    ]
    const f = (async () => answers.shift() as Response) as unknown as typeof fetch
    const clock = virtualClock()
    const http = createCrmHttp({ ...base, fetch: f, clock })
    expect((await http.send({ method: 'GET', url: 'http://crm/a', endpoint: 'GET /a' })).body).toEqual({ ok: true })
    expect(clock.sleeps).toEqual([2000])
    const error = await http.send({ method: 'GET', url: 'http://crm/b', endpoint: 'GET /b' }).catch((e) => e)
    expect(error.code).toBe('crm_rate_limited')
    expect(error.message).toContain('asked us to wait 60 min')
    expect(error.message).toContain('secondly limit')
    expect(clock.sleeps).toEqual([2000])
  })

  it('stops a request retried for more than 5 minutes in all, though each wait is short, saying to run the sync again in a few minutes', async () => {
    // A server answering every request with a wait under the 2-minute limit, for ever.
    let status = 429
    const server = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '100' })
      res.end(
        JSON.stringify({
          status: 'error',
          message: 'You have reached your ten_secondly_rolling limit.',
          policyName: 'TEN_SECONDLY_ROLLING',
        }),
      )
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/crm/v3/owners`
    try {
      const clock = virtualClock()
      const limited = await createCrmHttp({ ...base, clock })
        .send({ method: 'GET', url, endpoint: 'GET /crm/v3/owners' })
        .catch((e) => e)
      expect(clock.sleeps).toEqual([100_000, 100_000, 100_000])
      expect(limited.code).toBe('crm_rate_limited')
      expect(limited.message).toContain('kept failing GET /crm/v3/owners for 5 min (4 attempts, last HTTP 429')
      expect(limited.message).toContain('run the sync again in a few minutes (`pulse sync`, or `/pulse sync` in Slack)')
      status = 503
      const failing = createCrmHttp({ ...base, clock: virtualClock(), maxRetries: 10 })
      const unavailable = await failing.send({ method: 'GET', url, endpoint: 'GET /crm/v3/owners' }).catch((e) => e)
      expect(unavailable.code).toBe('crm_unavailable')
      expect(unavailable.message).toContain('for 5 min (4 attempts, last HTTP 503')
      expect(failing.stats.requests).toBe(4)
    } finally {
      server.close()
    }
  })

  it('a host that cannot be reached: the message says why and names the setting holding its URL', async () => {
    const refused = (async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) })
    }) as unknown as typeof fetch
    const http = createCrmHttp({ ...base, fetch: refused, clock: virtualClock(), urlSetting: 'HUBSPOT_API_URL', maxRetries: 1 })
    const error = await http
      .send({ method: 'GET', url: 'http://127.0.0.1:9/crm/v3/pipelines/deals', endpoint: 'GET /crm/v3/pipelines/deals' })
      .catch((e) => e)
    expect(error.code).toBe('crm_unavailable')
    expect(error.message).toContain('(fetch failed: ECONNREFUSED) after 2 attempts')
    expect(error.message).toContain('Check that HUBSPOT_API_URL (http://127.0.0.1:9) is right and reachable.')
  })

  it('a 404 names the setting with the URL it holds, path kept (a proxy), password left out', async () => {
    const server = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const baseUrl = `http://proxy-user:s3cret-pw@127.0.0.1:${(server.address() as AddressInfo).port}/hubspot/?via=proxy`
    try {
      const http = createCrmHttp({ ...base, clock: virtualClock(), urlSetting: 'HUBSPOT_API_URL', baseUrl })
      const error = await http
        .send({ method: 'GET', url: `${origin}/hubspot/crm/v3/pipelines/deals`, endpoint: 'GET /crm/v3/pipelines/deals' })
        .catch((e) => e)
      expect(error.status).toBe(404)
      expect(error.message).toContain(`Check that HUBSPOT_API_URL (${origin}/hubspot) is the address of HubSpot's API.`)
      expect(error.message).not.toContain('s3cret-pw')
      expect(error.message).not.toContain('via=proxy')
    } finally {
      server.close()
    }
  })

  it('a 404 (a base URL pointing at another server) names the setting holding the URL, and what happens next', async () => {
    const server = createServer((_req, res) =>
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not Found</body></html>'),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const http = createCrmHttp({ ...base, clock: virtualClock(), urlSetting: 'HUBSPOT_API_URL' })
      const error = await http
        .send({ method: 'GET', url: `${origin}/crm/v3/pipelines/deals`, endpoint: 'GET /crm/v3/pipelines/deals' })
        .catch((e) => e)
      expect(error.code).toBe('crm_bad_response')
      expect(error.status).toBe(404)
      expect(error.message).toContain('HubSpot refused GET /crm/v3/pipelines/deals with HTTP 404')
      expect(error.message).toContain(`Check that HUBSPOT_API_URL (${origin}) is the address of HubSpot's API.`)
      expect(error.message).toContain('the next sync resumes from there')
    } finally {
      server.close()
    }
  })

  it('does not follow a redirect, so a client secret in the body never reaches the host it names', async () => {
    const seen: string[] = []
    const other = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => {
        body += c
      })
      req.on('end', () => {
        seen.push(body)
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"x","instance_url":"http://x"}')
      })
    })
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    const otherOrigin = `http://localhost:${(other.address() as AddressInfo).port}`
    const server = createServer((req, res) => res.writeHead(307, { location: `${otherOrigin}${req.url}` }).end())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const http = createCrmHttp({ ...base, service: 'Salesforce', clock: virtualClock(), urlSetting: 'SALESFORCE_URL' })
      const error = await http
        .send({
          method: 'POST',
          url: `${origin}/services/oauth2/token`,
          endpoint: 'POST /services/oauth2/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials&client_id=id&client_secret=very-secret',
        })
        .catch((e) => e)
      expect(seen).toEqual([])
      expect(error.code).toBe('crm_bad_response')
      expect(error.message).toContain(`with a redirect to ${otherOrigin} (HTTP 307)`)
      expect(error.message).toContain('Set SALESFORCE_URL')
    } finally {
      server.close()
      other.close()
    }
  })

  it('stops reading an answer that never ends (or declares a body past the limit) instead of filling memory, and does not ask again', async () => {
    // A server that streams a JSON page without end, and one that declares a body too large to take.
    let requests = 0
    let endlessClosed = false
    const server = createServer((req, res) => {
      requests++
      if (req.url === '/declared') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) })
        res.write('{"results":[')
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"results":[')
      const row = `${JSON.stringify({ id: '1', properties: { dealname: 'x'.repeat(1000) } })},`
      const pump = () => {
        while (res.write(row)) {
          if (res.destroyed) return
        }
        res.once('drain', pump)
      }
      res.on('close', () => {
        endlessClosed = true
      })
      pump()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const http = createCrmHttp({ ...base, clock: virtualClock(), urlSetting: 'HUBSPOT_API_URL', maxBodyBytes: 1024 * 1024 })
      const started = Date.now()
      const endless = await http
        .send({ method: 'POST', url: `${origin}/endless`, endpoint: 'POST /crm/v3/objects/deals/search' })
        .catch((e) => e)
      expect(endless).toBeInstanceOf(AppError)
      expect(endless.code).toBe('crm_bad_response')
      expect(endless.message).toContain('HubSpot sent more than 1 MB from POST /crm/v3/objects/deals/search (HTTP 200)')
      expect(endless.message).toContain(`Check that HUBSPOT_API_URL (${origin})`)
      expect(Date.now() - started).toBeLessThan(10_000)
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(endlessClosed).toBe(true)

      const declared = await http.send({ method: 'GET', url: `${origin}/declared`, endpoint: 'GET /declared' }).catch((e) => e)
      expect(declared.code).toBe('crm_bad_response')
      expect(declared.message).toContain('more than 1 MB from GET /declared')
      expect(requests).toBe(2)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })

  it('asks again for a JSON page whose connection dropped mid-body on a close-delimited answer, but not for a whole body that is no JSON', async () => {
    // No Content-Length, no chunked encoding: the end of the body is the end of the connection, as
    // an HTTP/1.0 server or proxy answers, so a dropped connection reads as a shorter body.
    const page = JSON.stringify({
      results: [
        { id: '1', properties: { dealname: 'A [deal] {x}' } },
        { id: '2', properties: {} },
      ],
    })
    let requests = 0
    const server = createServer((req, res) => {
      requests++
      res.useChunkedEncodingByDefault = false
      res.writeHead(200, { 'content-type': req.url === '/html' ? 'text/html' : 'application/json', connection: 'close' })
      if (req.url === '/html') return void res.end('<html><body>Service Unavailable</body></html>')
      if (requests <= 2) {
        res.write(page.slice(0, requests === 1 ? 40 : page.indexOf('"dealname"') + 13))
        return void setTimeout(() => res.socket?.destroy(), 20)
      }
      res.end(page)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const clock = virtualClock()
      const http = createCrmHttp({ ...base, clock })
      const res = await http.send({ method: 'POST', url: `${origin}/page`, endpoint: 'POST /crm/v3/objects/deals/search' })
      expect(res.body).toEqual(JSON.parse(page))
      expect(requests).toBe(3)
      expect(clock.sleeps).toHaveLength(2)

      const html = await http.send({ method: 'GET', url: `${origin}/html`, endpoint: 'GET /html' }).catch((e) => e)
      expect(html.code).toBe('crm_bad_response')
      expect(html.message).toContain('HubSpot sent a body that is not JSON from GET /html')
      expect(requests).toBe(4)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })

  it('a URL on a port fetch refuses (6000) fails at once, saying so and naming the setting', async () => {
    const clock = virtualClock()
    const http = createCrmHttp({ ...base, clock, urlSetting: 'HUBSPOT_API_URL' })
    const error = await http
      .send({ method: 'GET', url: 'http://127.0.0.1:6000/crm/v3/pipelines/deals', endpoint: 'GET /crm/v3/pipelines/deals' })
      .catch((e) => e)
    expect(error.code).toBe('crm_unavailable')
    expect(error.message).toContain('(fetch failed: a port fetch refuses to use) after 1 attempt.')
    expect(error.message).toContain('Check that HUBSPOT_API_URL (http://127.0.0.1:6000) is right and reachable.')
    expect(clock.sleeps).toEqual([])
  })

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2024-06-01T00:00:00Z')
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }), now)).toBe(3000)
    expect(retryAfterMs(new Headers({ 'retry-after': 'Sat, 01 Jun 2024 00:00:05 GMT' }), now)).toBe(5000)
    expect(retryAfterMs(new Headers(), now)).toBeNull()
  })
})

describe('createPacer', () => {
  it('lets `limit` requests into any window, counting each until its answer started', async () => {
    const clock = virtualClock(0)
    const pacer = createPacer({ limit: 5, windowMs: 1000, marginMs: 20, clock })
    const starts: number[] = []
    for (let i = 0; i < 12; i++) {
      const release = await pacer.take()
      starts.push(clock.now())
      await clock.sleep(30) // the request takes 30 ms to answer
      release()
    }
    // Five back to back, then each waits for the one five before it: its answer (+30) + 1,000 + 20.
    expect(starts).toEqual([0, 30, 60, 90, 120, 1050, 1080, 1110, 1140, 1170, 2100, 2130])
    for (let i = 5; i < starts.length; i++) expect((starts[i] as number) - (starts[i - 5] as number)).toBeGreaterThan(1000)
  })

  it('holds every request after a pause (a 429) until the wait is over', async () => {
    const clock = virtualClock(0)
    const pacer = createPacer({ limit: Number.POSITIVE_INFINITY, windowMs: 1000, clock })
    pacer.pause(10_000)
    await pacer.take()
    expect(clock.now()).toBe(10_000)
  })
})

describe('quoting a CRM error body', () => {
  it('cuts a long message before an emoji, not through it', () => {
    const message = `${'x'.repeat(159)}🚀 and more`
    expect(said({ message })).toBe(`, last saying "${'x'.repeat(159)}"`)
    expect(describeBody('not json', `${'y'.repeat(119)}🚀`)).toBe('y'.repeat(119))
  })
})
