import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { compileFunction } from 'node:vm'

/** The parts of vega and vega-lite the chart renderer uses. */
export interface VegaRuntime {
  /** vega-lite's `compile` (spec -> vega spec). */
  readonly compile: typeof import('vega-lite')['compile']
  /** vega's `parse` (vega spec -> runtime). */
  readonly parse: typeof import('vega')['parse']
  /** vega's headless `View`. */
  readonly View: typeof import('vega')['View']
  /** The namespace holding vega-scenegraph's `textMetrics` (see `installTextMetrics`). */
  readonly scenegraph: object
}

/**
 * Loads only the vega packages the charts need, about 40% less start-up CPU than `import('vega')`
 * plus `import('vega-lite')`:
 * - vega's dataflow, parser, view and scenegraph, with the transforms of vega-transforms,
 *   vega-view-transforms and vega-encode registered the way vega's own index registers them.
 *   Geo, force, hierarchy, label, regression, voronoi, wordcloud and crossfilter transforms are not
 *   loaded: a spec using them fails with vega's "Unrecognized transform type" error.
 * - vega-lite from its published single-file build (`build/vega-lite.min.js`), whose only import,
 *   `vega`, is given vega-util, vega-expression and vega-event-selector (all it reads from it), as
 *   resolved from vega-lite's own folder (the versions its ES module entry would use).
 *   Its ES module entry imports the whole `vega` bundle instead. The compiled specs are the same
 *   (same package, same version); if the single-file build is missing or fails to load, the ES
 *   module entry is used.
 * Loads once per process; later calls return the same promise. Rejects when a package is missing
 * (a broken install), and a later call tries again.
 */
export function loadVega(): Promise<VegaRuntime> {
  loading ??= importVega()
  loading.catch(() => {
    loading = undefined
  })
  return loading
}

let loading: Promise<VegaRuntime> | undefined

async function importVega(): Promise<VegaRuntime> {
  const [liteCompile, dataflow, transforms, viewTransforms, encode, view, parser, scenegraph] = await Promise.all([
    loadVegaLiteBundle(),
    import('vega-dataflow'),
    import('vega-transforms'),
    import('vega-view-transforms'),
    import('vega-encode'),
    import('vega-view'),
    import('vega-parser'),
    import('vega-scenegraph'),
  ])
  Object.assign(dataflow.transforms, transforms, viewTransforms, encode)
  const compile = liteCompile ?? (await import('vega-lite')).compile
  return { compile, parse: parser.parse, View: view.View, scenegraph }
}

/** Evaluates vega-lite's CommonJS/UMD bundle with `require('vega')` answered by its own dependencies; undefined when that fails. */
async function loadVegaLiteBundle(): Promise<VegaRuntime['compile'] | undefined> {
  try {
    const entry = createRequire(import.meta.url).resolve('vega-lite')
    const fromLite = createRequire(entry)
    const file = join(dirname(entry), 'vega-lite.min.js')
    const [source, ...parts] = await Promise.all([
      readFile(file, 'utf8'),
      ...['vega-util', 'vega-expression', 'vega-event-selector'].map((name) => import(pathToFileURL(fromLite.resolve(name)).href)),
    ])
    const vegaShim = Object.assign({}, ...parts)
    const factory = compileFunction(source, ['exports', 'module', 'require'], { filename: file })
    const module = { exports: {} as { compile?: unknown } }
    const requireVega = (id: string) => {
      if (id !== 'vega') throw new Error(`vega-lite bundle asked for ${id}`)
      return vegaShim
    }
    factory.call(module.exports, module.exports, module, requireVega)
    const compile = module.exports.compile
    return typeof compile === 'function' ? (compile as VegaRuntime['compile']) : undefined
  } catch {
    return undefined
  }
}
