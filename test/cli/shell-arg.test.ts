import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { shellArg } from '../../src/cli/shell-arg.js'

describe('shellArg', () => {
  it('leaves plain paths as they are and quotes the rest so a shell reads them back whole', () => {
    expect(shellArg('./data/demo.db')).toBe('./data/demo.db')
    for (const value of ['my data/demo.db', "it's here.csv", '$HOME/x;rm -rf', '', 'a"b`c']) {
      const echoed = execFileSync('sh', ['-c', `printf %s ${shellArg(value)}`], { encoding: 'utf8' })
      expect(echoed).toBe(value)
    }
  })
})
