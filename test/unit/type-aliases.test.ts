// Go's aliases in type names: the table agrees with the Go source it was taken from, and
// `goprobe layout` finds os.FileMode and fs.FileMode where only io/fs.FileMode is named.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { packagePathsOf, STDLIB_ALIASES, typeNameSpellings } from '../../src/gotypes/aliases.ts'
import { expectOneLineError, goprobe } from '../support/cli.ts'
import { buildFixture, toolchains } from '../support/fixtures.ts'

const tcs = await toolchains()

/** `type Name = pkg.Target` in the package's non-test Go files, with the import path `pkg` stands for. */
function declaredAlias(goroot: string, pkgPath: string, name: string): string | undefined {
  const dir = join(goroot, 'src', pkgPath)
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.go') && !f.endsWith('_test.go'))) {
    const text = readFileSync(join(dir, file), 'utf8')
    const m = new RegExp(`^(?:type\\s+|\\t)${name}\\s*=\\s*(\\w+)\\.(\\w+)`, 'm').exec(text)
    if (!m) continue
    const imported = new RegExp(`^\\s*(?:import\\s+)?"([\\w/]*\\b${m[1]})"`, 'm').exec(text)?.[1]
    return imported === undefined ? undefined : `${imported}.${m[2]}`
  }
  return undefined
}

describe('the alias table', () => {
  for (const tc of tcs) {
    it(`${tc.id}: every entry is an alias Go's source declares`, () => {
      const goroot = execFileSync(tc.goBin, ['env', 'GOROOT'], { encoding: 'utf8', env: { ...process.env, ...tc.env } }).trim()
      for (const [alias, target] of Object.entries(STDLIB_ALIASES)) {
        const dot = alias.lastIndexOf('.')
        expect(declaredAlias(goroot, alias.slice(0, dot), alias.slice(dot + 1)), alias).toBe(target)
      }
    })
  }
})

describe('spellings of a type name', () => {
  const paths = () => ['io/fs', 'net/http', 'os', 'main', 'github.com/a/fs2']
  it('a package name becomes the one path ending in it, then Go\'s alias applies', () => {
    expect(typeNameSpellings('fs.FileMode', paths)).toEqual(['fs.FileMode', 'io/fs.FileMode'])
    expect(typeNameSpellings('os.FileMode', paths)).toEqual(['os.FileMode', 'io/fs.FileMode'])
    expect(typeNameSpellings('http.Request', paths)).toEqual(['http.Request', 'net/http.Request'])
    expect(typeNameSpellings('main.T', paths)).toEqual(['main.T'])
  })
  it('two packages with the same name are refused, naming both', () => {
    expect(() => typeNameSpellings('fs.FileMode', () => ['io/fs', 'example.com/x/fs'])).toThrow(/2 packages named fs \(example\.com\/x\/fs, io\/fs\)/)
  })
  it('the compiler\'s generated functions name no package', () => {
    expect([...packagePathsOf(['type:.eq.io/fs.PathError', 'type..eq.net/http.Request', 'io/fs.FileMode.String'])]).toEqual(['io/fs'])
  })
})

describe('goprobe layout with aliases', () => {
  const tc = tcs[0]!
  for (const mode of ['default', 'stripped'] as const) {
    it(`${mode}: os.FileMode and fs.FileMode are io/fs.FileMode; os.PathError is io/fs.PathError`, async () => {
      const build = await buildFixture('stdtypes', tc, mode)
      for (const spelling of ['os.FileMode', 'fs.FileMode', 'io/fs.FileMode']) {
        const r = await goprobe(['layout', build.path, spelling, '--json'])
        expect(r.code, r.stderr).toBe(0)
        expect(JSON.parse(r.stdout)).toMatchObject({ type: 'io/fs.FileMode', size: 4 })
      }
      const r = await goprobe(['layout', build.path, '*os.PathError', '--json'])
      expect(r.code, r.stderr).toBe(0)
    })
  }
  it('an unknown spelling still gets one line', async () => {
    const build = await buildFixture('stdtypes', tc, 'default')
    expectOneLineError(await goprobe(['layout', build.path, 'fs.FileModes']), /unknown type/)
  })
})
