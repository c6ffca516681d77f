import { createServer } from 'node:net'
import { webApi } from '@slack/bolt'
import pg from 'pg'
import { expect, it } from 'vitest'
import { DATABASE_UNREACHABLE, userMessage } from '../../src/errors.js'
import { userFacingError } from '../../src/slack/app/user-facing-error.js'
import { SlackFake } from '../fakes/slack-fake.js'

/** The error pg gives for a query while PostgreSQL is down (`closeAtOnce`: restarting, so it drops the connection). */
async function pgError(closeAtOnce: boolean): Promise<unknown> {
  const server = createServer((socket) => socket.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  if (!closeAtOnce) await new Promise((resolve) => server.close(resolve))
  try {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'pulse', password: 'hunter2secret', database: 'pulse' })
    client.on('error', () => undefined)
    return await client.connect().then(
      () => new Error('connected'),
      (e: unknown) => e,
    )
  } finally {
    if (closeAtOnce) server.close()
  }
}

it('a Slack user whose command meets PostgreSQL down or restarting is told the database cannot be reached and to try again, not that something went wrong on our side', async () => {
  for (const error of [await pgError(false), await pgError(true)]) {
    const text = userFacingError(error)
    expect(text).toContain('cannot reach its database right now')
    expect(text).toContain('try again in a minute')
    expect(text).not.toContain('hunter2secret')
  }
})

it('an admin or the command line is told the database did not answer and that Sales Pulse reconnects by itself', async () => {
  for (const error of [await pgError(false), await pgError(true)]) expect(userMessage(error)).toBe(DATABASE_UNREACHABLE)
  expect(userMessage(new Error('something else'))).not.toBe(DATABASE_UNREACHABLE)
})

it('a Slack user whose answer meets a Slack Web API that does not answer in time, or cannot be reached, is told Slack could not be reached, not that something went wrong on our side', async () => {
  const fake = await new SlackFake().start()
  const client = new webApi.WebClient(fake.token, { slackApiUrl: fake.apiUrl, timeout: 200, retryConfig: { retries: 0 } })
  fake.delayNext('files.getUploadURLExternal', 2_000)
  const slow = await client.apiCall('files.getUploadURLExternal', { filename: 'a.png', length: 10 }).catch((e: unknown) => e)
  await fake.stop()
  const down = await client.apiCall('views.publish', { user_id: 'U1', view: { type: 'home', blocks: [] } }).catch((e: unknown) => e)
  for (const error of [slow, down]) {
    const text = userFacingError(error)
    expect(text).toContain('could not reach Slack')
    expect(text).toContain('try again in a minute')
    expect(text).not.toMatch(/on our side/)
  }
})
