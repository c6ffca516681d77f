import { createHash, createHmac } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import type { CustomRoute } from '@slack/bolt'
import { createChartTokenKey, findChartTokenKey } from '../../db/chart-token-key.js'
import {
  deleteExpiredChartImages,
  findChartImage,
  findChartReferences,
  pruneUnreferencedChartImages,
  saveChartImage,
} from '../../db/slack-home.js'
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

/**
 * How long a chart no stored snapshot and no published Home view names any more is still served:
 * as long as a client may show it from its cache (the `max-age` it is served with), so that a view
 * on screen while its newer one is published does not lose its image.
 */
export const UNREFERENCED_CHART_GRACE_MS = 3_600_000

/**
 * Deletes expired chart images and, once no published Home view can show them any more, the
 * charts newer ones superseded (called by the Home refresh, after it republished the views): a
 * chart that neither a stored snapshot nor a published view names is kept for
 * {@link UNREFERENCED_CHART_GRACE_MS} from the first prune that found it so, then deleted by the
 * next. While some view published within the last 7 days has not recorded its charts (published
 * by an earlier version), charts go only at their expiry. Returns how many were deleted.
 */
export async function pruneChartImages(ctx: SlackContext): Promise<number> {
  const db = ctx.store.db
  const now = ctx.clock.now()
  const expired = await deleteExpiredChartImages(db, now)
  const refs = await findChartReferences(db, new Date(now.getTime() - CHART_URL_TTL_MS))
  if (refs.unknown) return expired
  const referenced = new Set(refs.viewHashes)
  for (const url of refs.snapshotCharts) {
    const hash = chartTokenHashOf(url)
    if (hash) referenced.add(hash)
  }
  const deleteBefore = new Date(now.getTime() - UNREFERENCED_CHART_GRACE_MS)
  return expired + (await pruneUnreferencedChartImages(db, referenced, { now, deleteBefore }))
}

/**
 * The stored hash of the token in a served chart URL (`.../charts/<token>.png`), or undefined
 * when `url` is not one.
 *
 * @example chartTokenHashOf('https://pulse.example.com/charts/AbC...xyz.png') // '3f1e...' (hex SHA-256 of the token)
 */
export function chartTokenHashOf(url: string): string | undefined {
  const file = url.slice(url.lastIndexOf('/') + 1)
  return url.includes('/charts/') && TOKEN.test(file) ? hashToken(file.slice(0, -4)) : undefined
}

/** The token hashes of the served charts a Home view's blocks show (image blocks by `image_url`). */
export function chartTokenHashesIn(blocks: readonly unknown[]): string[] {
  const out = new Set<string>()
  for (const b of blocks) {
    const url = (b as { type?: unknown; image_url?: unknown }).type === 'image' ? (b as { image_url?: unknown }).image_url : undefined
    const hash = typeof url === 'string' ? chartTokenHashOf(url) : undefined
    if (hash) out.add(hash)
  }
  return [...out]
}

/**
 * The receiver route that serves hosted charts: 200 with the PNG for a live token, 404 for
 * anything else (unknown, expired or malformed, all alike). `HEAD` answers as `GET` without the
 * bytes (Node leaves the body out), as link checkers, proxies and image fetchers expect.
 */
export function chartImageRoute(ctx: SlackContext): CustomRoute {
  return {
    path: CHART_ROUTE,
    method: ['GET', 'HEAD'],
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
