import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src')

/**
 * What each part of `src/` may import at run time (type-only imports are free): the layers of
 * design.md, in one direction. Pure computations (domain, analytics, model, charts) do no I/O and
 * know nothing of the store; `services` reads and writes the store for them; the front doors
 * (cli, slack) and the jobs sit on top. A part not named here may import anything.
 */
const ALLOWED: Record<string, readonly string[]> = {
  domain: ['errors.ts'],
  analytics: ['domain', 'errors.ts'],
  model: ['analytics', 'domain', 'errors.ts'],
  charts: ['analytics', 'domain', 'errors.ts'],
  crm: ['domain', 'errors.ts'],
  db: ['domain', 'errors.ts', 'config.ts', '../migrations'],
  services: ['analytics', 'model', 'db', 'domain', 'errors.ts'],
  ingest: ['crm', 'db', 'domain', 'config.ts', 'errors.ts', 'start-module-worker.ts'],
  jobs: ['db', 'services', 'domain', 'errors.ts', 'start-module-worker.ts'],
  slack: [
    'analytics',
    'charts',
    'config.ts',
    'db',
    'domain',
    'errors.ts',
    'ingest',
    'log',
    'services',
    'start-module-worker.ts',
    'yield-to-event-loop.ts',
  ],
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

/** The part of `src/` a path is in: its first folder, or the file itself at the top. */
function partOf(path: string): string {
  const rel = relative(SRC, path)
  if (rel.startsWith('..')) return `../${rel.split('/')[1]}`
  const [first, ...rest] = rel.split('/')
  return rest.length === 0 ? (first as string).replace(/\.js$/, '.ts') : (first as string)
}

/** Each run-time (not type-only) relative import of `file`, as the part of `src/` it lands in. */
function importedParts(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const parts: string[] = []
  for (const m of text.matchAll(/^import\s+(type\s+)?[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/gm)) {
    if (m[1]) continue
    parts.push(partOf(resolve(dirname(file), m[2] as string)))
  }
  return parts
}

describe('the layers of src/', () => {
  const files = sourceFiles(SRC)

  it('finds the parts the rules speak of', () => {
    const parts = new Set(files.map(partOf))
    for (const part of Object.keys(ALLOWED)) expect(parts.has(part), part).toBe(true)
  })

  it('has each part import only the parts below it', () => {
    const wrong: string[] = []
    for (const file of files) {
      const part = partOf(file)
      const allowed = ALLOWED[part]
      if (!allowed) continue
      for (const target of importedParts(file)) {
        if (target !== part && !allowed.includes(target)) wrong.push(`${relative(SRC, file)} imports ${target}`)
      }
    }
    expect(wrong).toEqual([])
  })
})
