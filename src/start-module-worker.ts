import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'

/**
 * Starts a worker thread running module `name` of the folder of `baseUrl` (pass the caller's
 * `import.meta.url`): the compiled `name.js` beside it, or, when running from the TypeScript
 * sources (tests), `name.ts` loaded through tsx's loader, registered inside the worker before the import.
 * @example startModuleWorker(import.meta.url, 'csv-import-worker', input)
 */
export function startModuleWorker(baseUrl: string, name: string, workerData: unknown): Worker {
  const js = new URL(`./${name}.js`, baseUrl)
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData })
  const ts = new URL(`./${name}.ts`, baseUrl).href
  const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'))
  const api = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href
  const boot = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(ts)}) })`
  return new Worker(boot, { eval: true, workerData, execArgv: [] })
}
