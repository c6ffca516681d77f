import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// What `npm pack` (and so `npm install sales-pulse`) ships: the files the messages and the README point to.
describe('the published package', () => {
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
  ) as Array<{ files: Array<{ path: string }> }>
  const files = new Set(packed[0]?.files.map((f) => f.path))

  it('holds .env.example, which configuration errors tell the user to compare their .env with', () => {
    expect(files.has('.env.example')).toBe(true)
    expect(files.has('manifest.yml')).toBe(true)
  })

  it("holds every doc the README links to, so the README's links work in an installed copy", () => {
    const linked = [...readFileSync('README.md', 'utf8').matchAll(/\]\((docs\/[^)#\s]+)/g)].map((m) => m[1] as string)
    expect(linked.length).toBeGreaterThan(0)
    for (const doc of new Set(linked)) expect(files.has(doc), doc).toBe(true)
  })
})
