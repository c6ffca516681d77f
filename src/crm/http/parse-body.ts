import type { z } from 'zod'
import { CrmHttpError } from './crm-http.js'

/**
 * Checks a CRM body against the shape we rely on and returns it typed.
 *
 * @throws CrmHttpError `crm_bad_response` naming the service, the endpoint and the first
 *   mismatch; a body we cannot read is an error, never a silently skipped page.
 */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown, service: string, endpoint: string): z.output<T> {
  const parsed = schema.safeParse(body)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'body'
  throw new CrmHttpError(
    'crm_bad_response',
    `${service} sent a body we cannot read from ${endpoint} (${where}: ${issue?.message ?? 'unexpected shape'}). Nothing from it was stored; the next sync retries.`,
    200,
    null,
  )
}
