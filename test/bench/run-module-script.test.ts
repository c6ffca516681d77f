import { describe, expect, it } from 'vitest'
import { runModuleScript } from '../../bench/run-module-script.js'

describe('runModuleScript', () => {
  it("parses the script's JSON output, and names the run when it fails", async () => {
    expect(await runModuleScript<{ n: number }>('process.stdout.write(JSON.stringify({ n: 6 * 7 }))', 'a run')).toEqual({ n: 42 })
    await expect(runModuleScript('process.exit(3)', 'the cold run')).rejects.toThrow('the cold run exited with 3')
  })
})
