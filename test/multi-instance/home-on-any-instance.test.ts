import { afterEach, describe, expect, it } from 'vitest'
import { appHomeOpenedBody, postSigned, waitFor } from '../fakes/slack-fake.js'
import { PEOPLE, SIGNING_SECRET } from '../slack/slack-test-app.js'
import { type PulseCluster, startPulseCluster } from './pulse-cluster.js'

const pgUrl = process.env.PULSE_TEST_DATABASE_URL

let cluster: PulseCluster | undefined
afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

/** A published view with its chart URLs (a fresh random token per render) reduced to their host. */
const withoutTokens = (view: unknown) => JSON.parse(JSON.stringify(view).replace(/\/charts\/[A-Za-z0-9_-]{43}\.png/g, '/charts/TOKEN.png'))

describe.skipIf(!pgUrl)('Home tabs behind a load balancer: two pulse serve processes on one PostgreSQL', () => {
  it('render the same Home on either instance, even when both compute it at once, and each serves the charts the other hosted', async () => {
    cluster = await startPulseCluster(pgUrl as string, 1500)
    const c = cluster
    const env = { PULSE_PUBLIC_URL: 'https://pulse.example.com' }
    const [a, b] = await Promise.all([c.serve(env), c.serve(env)])
    const open = async (url: string, user: string) =>
      (await postSigned(url, SIGNING_SECRET, appHomeOpenedBody(user), 'application/json')).status
    const viewOf = (user: string) => c.fake.views.filter((v) => v.userId === user).at(-1)?.view

    // The first opens of the day reach both instances at the same moment: both compute the company figures.
    expect(
      await Promise.all([open(a.url, PEOPLE.cro), open(b.url, PEOPLE.admin), open(a.url, PEOPLE.manager), open(b.url, PEOPLE.rep)]),
    ).toEqual([200, 200, 200, 200])
    await waitFor(() => [PEOPLE.cro, PEOPLE.admin, PEOPLE.manager, PEOPLE.rep].every((u) => viewOf(u)), 30_000, 'four Home views')
    expect(c.fake.blockKitProblems).toEqual([])

    // The same person's Home, rendered by A and then by B, is the same view.
    for (const user of [PEOPLE.cro, PEOPLE.manager, PEOPLE.rep]) {
      const views: unknown[] = []
      for (const i of [a, b]) {
        const before = c.fake.views.length
        expect(await open(i.url, user)).toBe(200)
        await waitFor(() => c.fake.views.length > before, 30_000, 'views.publish')
        views.push(viewOf(user))
      }
      expect(withoutTokens(views[1])).toEqual(withoutTokens(views[0]))
    }

    // A chart URL in a view published by one instance is served by the other (the load balancer picks either).
    const urls = [
      ...JSON.stringify(c.fake.views.map((v) => v.view)).matchAll(/https:\/\/pulse\.example\.com(\/charts\/[A-Za-z0-9_-]{43}\.png)/g),
    ].map((m) => m[1] as string)
    expect(urls.length).toBeGreaterThan(2)
    for (const path of urls.slice(-3)) {
      for (const i of [a, b]) {
        const res = await fetch(`${i.url}${path}`)
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toBe('image/png')
      }
    }
    for (const i of [a, b]) i.run.child.kill('SIGTERM')
    for (const i of [a, b]) expect(await i.run.exited, i.run.stderr.slice(-2000)).toBe(0)
    expect(a.run.stderr + b.run.stderr).not.toMatch(/"level":(50|60)/)
  }, 90_000)
})
