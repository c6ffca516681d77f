// The Slack app in its own process for the Slack benchmark, so the load generator and the fake
// Slack (in the parent) do not share its event loop, as in production. Driven over IPC:
// { cmd: 'start', db, env } -> { url }; { cmd: 'refresh' } -> { ms }; { cmd: 'stop' } -> exits.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { loadConfig } from '../src/config.js'
import { openStore, type Store } from '../src/db/open-store.js'
import { silentLogger } from '../src/log/create-logger.js'
import { loadRoster } from '../src/slack/access/load-roster.js'
import { createPulseServices } from '../src/slack/app/create-pulse-services.js'
import { createSlackApp, type SlackApp } from '../src/slack/app/create-slack-app.js'
import { type AnswerWorkers, startAnswerWorkers } from '../src/slack/app/start-answer-workers.js'
import { refreshHomeTabs } from '../src/slack/home/refresh-home-tabs.js'

type Command = { cmd: 'start'; db: string; env: Record<string, string> } | { cmd: 'refresh' } | { cmd: 'stop' }

let slack: SlackApp | undefined
let store: Store | undefined
let answers: AnswerWorkers | undefined

process.on('message', (message: Command) => {
  void handle(message).catch((error: unknown) => {
    process.send?.({ error: (error as Error).message })
  })
})

async function handle(m: Command): Promise<void> {
  if (m.cmd === 'start') {
    store = await openStore({ path: m.db })
    const config = loadConfig(m.env)
    const logger = silentLogger()
    // As `pulse serve` runs: reports and charts on worker threads.
    answers = startAnswerWorkers({ path: m.db }, store)
    slack = createSlackApp({
      store,
      config,
      logger,
      roster: loadRoster(config.rosterPath),
      services: createPulseServices({ store, config, logger, answers }),
      retries: 0,
    })
    const server = (await slack.start(0)) as Server
    process.send?.({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
  } else if (m.cmd === 'refresh' && slack) {
    const t = performance.now()
    await refreshHomeTabs(slack.ctx, slack.client)
    process.send?.({ ms: performance.now() - t })
  } else if (m.cmd === 'stop') {
    await slack?.stop()
    await answers?.stop()
    await store?.close()
    process.send?.({ stopped: true })
    process.exit(0)
  }
}
