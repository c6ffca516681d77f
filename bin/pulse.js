#!/usr/bin/env node
// Entry point of the `pulse` command: runs the compiled CLI (`npm run build` makes dist/).
import('../dist/src/cli/main.js')
  .then((m) => m.main(process.argv))
  .catch((error) => {
    console.error(error instanceof Error ? error.message : String(error))
    process.exitCode = 1
  })
