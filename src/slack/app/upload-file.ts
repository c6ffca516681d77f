import { type Block, clip } from '../blocks/block-kit.js'
import { afterShortRateLimit } from './after-short-rate-limit.js'
import type { SlackClient } from './slack-context.js'

/** A file to share into a channel (a chart PNG). */
export interface FileUpload {
  /** The channel (or DM) id to share it in. */
  readonly channelId: string
  readonly data: Buffer
  readonly filename: string
  readonly title: string
  /** Screen-reader description (Slack keeps at most 1,000 characters). */
  readonly altText: string
  /** The message the file is shared with. */
  readonly blocks?: Block[]
  /** Share it as a reply in this thread. */
  readonly threadTs?: string
}

/** Slack's limit on `alt_txt`. */
export const ALT_TEXT_MAX = 1000

/**
 * How long the POST of the bytes (a chart of at most 250 KB, taken by Slack within a second) may
 * take: the asker's findings wait for it, so a stuck upload address is not waited on for long.
 */
export const UPLOAD_TIMEOUT_MS = 15_000

/** A failed POST of the file's bytes to Slack's upload URL (Slack answers 200 when it took them; any 2xx counts as taken). */
export class FileUploadError extends Error {
  override readonly name = 'FileUploadError'
  constructor(readonly status: number) {
    super(`Slack's upload URL answered HTTP ${status}`)
  }
}

/** Slack's upload URL did not answer within {@link UPLOAD_TIMEOUT_MS} (not tried again: the findings wait for it). */
export class FileUploadTimeoutError extends Error {
  override readonly name = 'FileUploadTimeoutError'
  constructor(readonly seconds: number) {
    super(`Slack's upload URL did not answer within ${seconds} s`)
  }
}

/** Tries of steps 1-2 when Slack's upload URL does not take the bytes, and the pauses between them. */
const UPLOAD_TRIES = 3
const UPLOAD_RETRY_DELAYS_MS = [500, 1500] as const

/** The longest Retry-After (seconds) an upload waits out, once per step; a longer one fails the upload at once. */
export const UPLOAD_MAX_RETRY_AFTER_S = 10

/**
 * Shares a file the way Slack documents it, in three steps:
 * 1. `files.getUploadURLExternal` with `filename`, `length` (bytes) and `alt_txt`;
 * 2. a multipart POST of the bytes (field `filename`) to the `upload_url` it returned, which
 *    must answer 2xx (Slack answers 200);
 * 3. `files.completeUploadExternal` with `files=[{"id","title"}]`, `channel_id`, and the
 *    message `blocks` and `thread_ts` when given.
 * When the upload URL does not answer 2xx (a 5xx, an expired URL) or cannot be reached, steps 1
 * and 2 are tried again with a new upload URL, up to 3 times in about 2 seconds. With a client
 * that throws on 429, a Retry-After of up to {@link UPLOAD_MAX_RETRY_AFTER_S} seconds is waited
 * out once per step; a longer one fails the upload at once (Slack's `ratelimited`).
 * Web API calls go through `client` (its base URL, token, retries and rate-limit handling).
 * Returns the file id.
 *
 * The bytes' POST may take {@link UPLOAD_TIMEOUT_MS}; one that takes longer is not tried again.
 *
 * @throws the Web API error of step 1 or 3 (`not_in_channel`, `channel_not_found`,
 * `invalid_auth`, ...), {@link FileUploadError} when step 2 is refused every time, or
 * {@link FileUploadTimeoutError} when the upload URL does not answer in time.
 */
export async function uploadFile(client: SlackClient, file: FileUpload): Promise<string> {
  let fileId: string | undefined
  for (let attempt = 1; fileId === undefined; attempt++) {
    try {
      fileId = await afterShortRateLimit(() => uploadBytes(client, file), UPLOAD_MAX_RETRY_AFTER_S)
    } catch (error) {
      const retryable = error instanceof FileUploadError || error instanceof TypeError
      if (!retryable || attempt >= UPLOAD_TRIES) throw error
      await new Promise((resolve) => setTimeout(resolve, UPLOAD_RETRY_DELAYS_MS[attempt - 1] ?? 0))
    }
  }
  const id = fileId
  await afterShortRateLimit(
    () =>
      client.files.completeUploadExternal({
        files: [{ id, title: file.title }],
        channel_id: file.channelId,
        ...(file.blocks ? { blocks: file.blocks } : {}),
        ...(file.threadTs ? { thread_ts: file.threadTs } : {}),
      }),
    UPLOAD_MAX_RETRY_AFTER_S,
  )
  return id
}

// Steps 1 and 2: a new upload URL, then the bytes POSTed to it.
async function uploadBytes(client: SlackClient, file: FileUpload): Promise<string> {
  const url = (await client.apiCall('files.getUploadURLExternal', {
    filename: file.filename,
    length: file.data.length,
    // Never half an emoji: the form encoding throws on it, and the chart would not be sent.
    alt_txt: clip(file.altText, ALT_TEXT_MAX),
  })) as { upload_url?: string; file_id?: string }
  if (!url.upload_url || !url.file_id) throw new Error('files.getUploadURLExternal returned no upload_url or file_id')
  const form = new FormData()
  form.append('filename', new Blob([file.data], { type: contentTypeOf(file.filename) }), file.filename)
  const signal = AbortSignal.timeout(UPLOAD_TIMEOUT_MS)
  let res: Response
  try {
    res = await fetch(url.upload_url, {
      method: 'POST',
      body: form,
      headers: client.token ? { authorization: `Bearer ${client.token}` } : {},
      signal,
    })
  } catch (error) {
    if (signal.aborted) throw new FileUploadTimeoutError(UPLOAD_TIMEOUT_MS / 1000)
    throw error
  }
  await res.arrayBuffer().catch(() => undefined)
  // Slack answers 200; a 201 or 204 (no body) from a proxy or stand-in took the bytes too.
  if (res.status < 200 || res.status > 299) throw new FileUploadError(res.status)
  return url.file_id
}

function contentTypeOf(filename: string): string {
  return filename.toLowerCase().endsWith('.png') ? 'image/png' : 'application/octet-stream'
}
