#!/usr/bin/env node
// Entry point of the `pulse` command: runs the compiled CLI (`npm run build` makes dist/).

// package.json "engines": npm only warns about it, so an older Node.js is named here, before
// something deep inside fails with a message that does not say why.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(
    `Sales Pulse needs Node.js 20.19 or newer; this is Node.js ${process.versions.node}. Install a newer Node.js, then run \`npm install\` in the checkout again.`,
  )
  process.exit(1)
}

import('../dist/src/cli/main.js')
  .then((m) => m.runAsPulse(process.argv))
  .catch((error) => {
    const unbuilt = error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/src/cli/main.js')
    console.error(
      unbuilt
        ? 'Sales Pulse is not built yet: run `npm install` (or `npm run build`) in the checkout first.'
        : error instanceof Error
          ? error.message
          : String(error),
    )
    process.exitCode = 1
  })
