import { createHash, createHmac } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import type { CustomRoute } from '@slack/bolt'
import { createChartTokenKey, findChartTokenKey } from '../../db/chart-token-key.js'
import { deleteExpiredChartImages, findChartImage, saveChartImage } from '../../db/slack-home.js'
import { writeUnlessBusy } from '../../db/write-unless-busy.js'
import type { SlackContext } from '../app/slack-context.js'

/** Path under which the app serves Home chart images. */
export const CHART_ROUTE = '/charts/:token'

/** How long a served chart URL works (Home views are republished after each sync, well within it). */
export const CHART_URL_TTL_MS = 7 * 24 * 3_600_000

const TOKEN = /^[A-Za-z0-9_-]{43}\.png$/

/**
 * Stores `png` and returns the URL that serves it: `PULSE_PUBLIC_URL` + `/charts/<token>.png`,
 * with an expiry. The token is an HMAC of the image under the store's own secret (256 bits that
 * cannot be guessed without it; only the token's SHA-256 is stored), so a chart drawn again
 * unchanged (every sync redraws every scope's charts, viewed or not) keeps its one stored copy and
 * URL, with its expiry moved on, instead of adding another. Returns undefined when no public URL
 * is configured (then Home views show no images), or when another process holds the store for
 * writing (an import: the view shows the figures without it).
 */
export async function hostChartImage(ctx: SlackContext, png: Buffer): Promise<string | undefined> {
  if (!ctx.publicUrl) return undefined
  let key = await findChartTokenKey(ctx.store.db)
  if (key === undefined && !(await writeUnlessBusy(ctx.store.db, async (db) => (key = await createChartTokenKey(db))))) return undefined
  const token = createHmac('sha256', key as Buffer)
    .update(png)
    .digest('base64url')
  const now = ctx.clock.now()
  const image = { tokenHash: hashToken(token), png, expiresAt: new Date(now.getTime() + CHART_URL_TTL_MS), now }
  if (!(await writeUnlessBusy(ctx.store.db, (db) => saveChartImage(db, image)))) return undefined
  return `${ctx.publicUrl.replace(/\/+$/, '')}/charts/${token}.png`
}

/** Deletes expired chart images (called by the Home refresh). */
export async function pruneChartImages(ctx: SlackContext): Promise<number> {
  return deleteExpiredChartImages(ctx.store.db, ctx.clock.now())
}

/**
 * The receiver route that serves hosted charts: 200 with the PNG for a live token, 404 for
 * anything else (unknown, expired or malformed, all alike).
 */
export function chartImageRoute(ctx: SlackContext): CustomRoute {
  return {
    path: CHART_ROUTE,
    method: ['GET'],
    handler: (req, res) => {
      void serveChart(ctx, (req as { params?: Record<string, string> }).params?.token ?? '', res)
    },
  }
}

async function serveChart(ctx: SlackContext, token: string, res: ServerResponse): Promise<void> {
  try {
    const png = TOKEN.test(token) ? await findChartImage(ctx.store.db, hashToken(token.slice(0, -4)), ctx.clock.now()) : undefined
    if (!png) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found')
      return
    }
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length, 'cache-control': 'private, max-age=3600' }).end(png)
  } catch (error) {
    ctx.logger.error({ err: error }, 'chart image could not be served')
    res.writeHead(500).end()
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}
