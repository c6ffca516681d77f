import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** Paths of the TTF files charts are drawn and measured with (from the `dejavu-fonts-ttf` package). */
export interface ChartFontFiles {
  readonly regular: string
  readonly bold: string
}

let cached: ChartFontFiles | undefined

/**
 * Locates the bundled DejaVu Sans TTFs inside `node_modules`. No system font is ever used, so a
 * chart looks the same on every machine. Throws if the package is missing (a broken install).
 */
export function chartFontFiles(): ChartFontFiles {
  if (cached) return cached
  const require = createRequire(import.meta.url)
  const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf')
  cached = { regular: join(dir, 'DejaVuSans.ttf'), bold: join(dir, 'DejaVuSans-Bold.ttf') }
  return cached
}
