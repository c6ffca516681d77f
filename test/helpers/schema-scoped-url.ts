/**
 * A PostgreSQL URL whose connections use `schema` as their search_path, as a user points
 * `PULSE_DATABASE_URL` at a schema of a shared database (`?options=-c search_path=...`).
 * @example schemaScopedUrl('postgres://u@h/db', 't1') // 'postgres://u@h/db?options=-c%20search_path%3Dt1'
 */
export function schemaScopedUrl(url: string, schema: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`
}
