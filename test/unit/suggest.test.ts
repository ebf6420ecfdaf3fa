// "Did you mean": the candidate nearest the user's own spelling comes first, not the one
// that merely shares the last element.
import { describe, expect, it } from 'vitest'
import { suggest } from '../../src/util/suggest.ts'
import { expectOneLineError, goprobe } from '../support/cli.ts'
import { buildFixture, toolchains } from '../support/fixtures.ts'
import { goToolNm } from '../support/oracles.ts'

describe('suggest', () => {
  const names = ['expvar.(*Map).Do', 'sync.(*Once).Do', 'main.do', 'net/http.(*Client).do', 'net/http.(*Client).Do', 'main.handle', 'main.handler']

  it('ranks by the distance of the trailing elements, method punctuation ignored', () => {
    expect(suggest('(*Clinet).do', names)[0]).toBe('net/http.(*Client).do')
    expect(suggest('Client.do', names)[0]).toBe('net/http.(*Client).do')
    expect(suggest('net/htp.(*Client).do', names)[0]).toBe('net/http.(*Client).do')
  })

  it('prefers the candidate in the user\'s case among equally near ones', () => {
    expect(suggest('Client.Do', names).slice(0, 2)).toEqual(['net/http.(*Client).Do', 'net/http.(*Client).do'])
  })

  it('does not offer names that only share the last element', () => {
    expect(suggest('(*Clinet).do', names)).not.toContain('expvar.(*Map).Do')
    expect(suggest('(*Clinet).do', names)).not.toContain('sync.(*Once).Do')
    expect(suggest('nothing.like.it', names)).toEqual([])
  })

  it('still finds one-letter slips in short names', () => {
    expect(suggest('main.handel', names)[0]).toBe('main.handle')
    expect(suggest('mian.do', names)).toContain('main.do')
  })
})

describe('suggestions on a real binary', () => {
  it('(*Clinet).do suggests net/http.(*Client).do first, though the binary has other .Do/.do methods', async () => {
    const [tc] = await toolchains()
    const build = await buildFixture('httpsnoop', tc!, 'default')
    const nm = (await goToolNm(build)).map((s) => s.name)
    expect(nm).toContain('net/http.(*Client).do')
    // Other functions ending in .do or .Do exist, so a last-element rule could pick them.
    expect(nm.filter((n) => /\.[dD]o$/.test(n) && n !== 'net/http.(*Client).do').length).toBeGreaterThan(0)
    const r = await goprobe(['func', build.path, '(*Clinet).do'])
    expectOneLineError(r, /unknown function "\(\*Clinet\)\.do"; did you mean "net\/http\.\(\*Client\)\.do"/)
  })
})
