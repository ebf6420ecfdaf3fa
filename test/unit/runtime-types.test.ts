/**
 * Layouts read from runtime type metadata, without symbols or DWARF:
 * - every fixture's stripped build against the DWARF of its unstripped twin (same
 *   toolchain, same source: the layouts are the same), for the fixture's own structs
 *   and the standard-library structs the helpers use, on every toolchain;
 * - PIE builds against their own DWARF (pointers there come from relocations);
 * - the basic fixture's stripped build against its own reflect output (`layouts` mode);
 * - esbuild 0.7.0 (go1.15) and 0.8.57 (go1.16), stripped releases: every named struct
 *   is consistent with the layout engine;
 * - corrupted descriptors give the reader's own errors, never a crash or a hang.
 */
import { execFile, execFileSync } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { GoBinary } from '../../src/binary/go-binary.ts'
import { parseGoVersion } from '../../src/binary/go-version.ts'
import { findModuledata } from '../../src/binary/moduledata.ts'
import { RuntimeTypes, runtimeTypeLayout } from '../../src/binary/runtime-types.ts'
import { GoprobeError, UnsupportedError } from '../../src/errors.ts'
import { structType } from '../../src/gotypes/layout.ts'
import type { GoType, StructType } from '../../src/gotypes/types.ts'
import { VersionTable } from '../../src/gotypes/tables/version-table.ts'
import { Target } from '../../src/target.ts'
import { FIXTURES, REPO_ROOT, allBuilds, buildFixture, buildLabel, cacheDir, esbuildBinary, esbuildGo115Binary, goVersionAtLeast, toolchains } from '../support/fixtures.ts'
import { layoutView } from './layout-compare.ts'

const execFileAsync = promisify(execFile)

/** Standard-library structs the stdlib helpers and probes read fields of. */
const STDLIB_STRUCTS = [
  'net/http.Request', 'net/http.Response', 'net/url.URL', 'net/url.Userinfo', 'net.TCPAddr', 'net.IPAddr',
  'crypto/tls.Conn', 'crypto/tls.Config', 'os.File', 'os.file', 'internal/poll.FD', 'database/sql.DB', 'database/sql.Conn', 'runtime.g',
]

/** Every struct the twin's DWARF names that the fixture defines or the helpers use. */
function structsToCompare(dwarfTarget: Target): string[] {
  const names = [...(dwarfTarget.dwarf?.types.typeNames() ?? [])]
  return names.filter((n) => (n.startsWith('main.') || STDLIB_STRUCTS.includes(n)) && dwarfTarget.dwarf!.types.lookupType(n)?.kind === 'struct')
}

function withTarget<T>(path: string, f: (t: Target) => T): T {
  const t = Target.open(path)
  try {
    return f(t)
  } finally {
    t.close()
  }
}

const builds = (await Promise.all(FIXTURES.map((f) => allBuilds(f, ['stripped'])))).flat()

describe.each(builds.map((b) => [buildLabel(b), b] as const))('%s: layouts without DWARF equal the twin\'s DWARF', (_label, stripped) => {
  it('for the fixture\'s own structs and the stdlib structs it uses', async () => {
    const twin = await buildFixture(stripped.fixture, stripped.toolchain, 'default')
    const expected = withTarget(twin.path, (t) => new Map(structsToCompare(t).map((n) => [n, t.lookupType(n).value] as const)))
    const twinGoid = withTarget(twin.path, (t) => t.goidOffset())
    expect(twinGoid.source).toBe('dwarf')
    expect(expected.size, 'the twin\'s DWARF names structs to compare').toBeGreaterThan(0)
    const missing: string[] = []
    const sources = new Map<string, number>()
    withTarget(stripped.path, (target) => {
      expect(target.dwarf, 'the stripped build has no DWARF').toBeNull()
      const goid = target.goidOffset()
      expect(goid.value, `goid offset from ${goid.detail}`).toBe(twinGoid.value)
      expect(goid.source === 'runtime-types' || goid.source === 'version-table', goid.detail).toBe(true)
      for (const [name, want] of expected) {
        let got
        try {
          got = target.lookupType(name)
        } catch (e) {
          if (!(e instanceof GoprobeError)) throw e
          missing.push(name)
          continue
        }
        sources.set(got.source, (sources.get(got.source) ?? 0) + 1)
        // Runtime type metadata names every field type; version tables write undeclared pointees as unsafe.Pointer.
        const typeTexts = got.source === 'runtime-types'
        expect(layoutView(got.value, { typeTexts }), `${name} from ${got.detail}`).toEqual(layoutView(want, { typeTexts }))
      }
    })
    const found = expected.size - missing.length
    console.log(`${buildLabel(stripped)}: ${found}/${expected.size} structs equal DWARF (${[...sources].map(([s, n]) => `${n} from ${s}`).join(', ')})`)
    // A type the program never converts to an interface or reflects on, and that nothing
    // reachable refers to, has no descriptor. The stdlib structs the helpers use must always
    // be found (from metadata or tables), and the basic fixture reflects on main.Outer.
    if (missing.length) console.warn(`${buildLabel(stripped)}: no descriptor and no table entry for ${missing.join(', ')}`)
    const required = ['net/http.Request', 'net/http.Response', 'net/url.URL', 'net.TCPAddr', 'os.File', ...(stripped.fixture === 'basic' ? ['main.Outer'] : [])]
    expect(missing.filter((n) => required.includes(n))).toEqual([])
  })
})

describe.each((await allBuilds('basic', ['pie'])).map((b) => [buildLabel(b), b] as const))('%s: runtime types through PIE relocations', (_label, pie) => {
  it('equal the same binary\'s DWARF', () => {
    const binary = GoBinary.open(pie.path)
    try {
      const rt = RuntimeTypes.open(binary)
      const names = withTarget(pie.path, (t) => structsToCompare(t).map((n) => [n, t.lookupType(n).value] as const))
      let compared = 0
      for (const [name, want] of names) {
        const got = rt.lookupType(name)
        if (!got) continue
        expect(layoutView(got, { typeTexts: true }), name).toEqual(layoutView(want, { typeTexts: true }))
        compared++
      }
      expect(rt.lookupType('main.Outer'), 'main.Outer is reachable (the layouts mode reflects on it)').toBeDefined()
      console.log(`${buildLabel(pie)}: ${compared} structs from runtime types equal DWARF`)
    } finally {
      binary.close()
    }
  })
})

/** Declared signatures name stdlib types; on stripped builds they resolve through runtime types, then tables. */
const CLIENT_DO = 'net/http.(*Client).do'
const CLIENT_DO_SIGNATURE = 'func (c *net/http.Client) do(req *net/http.Request) (retres *net/http.Response, reterr error)'

describe.each((await allBuilds('httpsnoop', ['stripped'])).map((b) => [buildLabel(b), b] as const))('%s: declared signatures', (_label, stripped) => {
  it(`${CLIENT_DO} resolves its named types without DWARF`, async () => {
    const twin = await buildFixture('httpsnoop', stripped.toolchain, 'default')
    const want = withTarget(twin.path, (t) => ({ request: t.lookupType('net/http.Request').value, response: t.lookupType('net/http.Response').value }))
    withTarget(stripped.path, (target) => {
      const sig = target.signature(target.function(CLIENT_DO), CLIENT_DO_SIGNATURE)!
      expect(sig.source).toBe('declared')
      const req = sig.value.params[0]!.type
      const res = sig.value.results[0]!.type
      expect(req.kind === 'pointer' && layoutView(req.elem, { typeTexts: true })).toEqual(layoutView(want.request, { typeTexts: true }))
      expect(res.kind === 'pointer' && layoutView(res.elem, { typeTexts: true })).toEqual(layoutView(want.response, { typeTexts: true }))
      expect(sig.value.receiver?.type.kind === 'pointer' && sig.value.receiver.type.elem.name).toBe('net/http.Client')
    })
  })
})

interface ReflectField { name: string; offset: number; size: number; embedded: boolean }
interface ReflectLayout { name: string; kind: string; size: number; align: number; fields?: ReflectField[] }

describe.each((await allBuilds('basic', ['stripped'])).map((b) => [buildLabel(b), b] as const))('%s: runtime types against reflect', (_label, stripped) => {
  it('equal the program\'s own reflect layouts', async () => {
    const { stdout } = await execFileAsync(stripped.path, ['layouts'])
    const layouts = stdout.trim().split('\n').map((l) => JSON.parse(l) as ReflectLayout)
    let fields = 0
    withTarget(stripped.path, (target) => {
      for (const want of layouts.filter((l) => l.kind === 'struct')) {
        const got = target.lookupType(want.name)
        expect(got.source, want.name).toBe('runtime-types')
        expect({ size: got.value.size, align: got.value.align }, want.name).toEqual({ size: want.size, align: want.align })
        const view = layoutView(got.value, { typeTexts: false }).fields.map(({ name, offset, size, embedded }) => ({ name, offset, size, embedded }))
        expect(view, want.name).toEqual((want.fields ?? []).map(({ name, offset, size, embedded }) => ({ name, offset, size, embedded })))
        fields += view.length
      }
    })
    expect(fields).toBeGreaterThan(50)
  })

  it('goprobe layout names its source', () => {
    const out = execFileSync('node', [join(REPO_ROOT, 'bin', 'goprobe.js'), 'layout', stripped.path, 'net/http.Request'], { encoding: 'utf8' })
    expect(out).toMatch(/^struct net\/http\.Request \{ {2}\/\* from runtime type metadata \*\//)
    expect(out).toMatch(/\bURL\b/)
  })
})


/** Re-lays out a struct from its fields with the layout engine; undefined for other kinds. */
function relaidOut(t: GoType): StructType | undefined {
  return t.kind === 'struct' ? structType(t.name, t.fields) : undefined
}

const releases = [
  { label: 'esbuild 0.7.0 (go1.15)', path: esbuildGo115Binary('its runtime types test'), version: 'go1.15' },
  { label: 'esbuild 0.8.57 (go1.16)', path: await esbuildBinary(), version: 'go1.16' },
]

describe.each(releases.map((r) => [r.label, r] as const))('%s, stripped release', (_label, release) => {
  if (!release.path) {
    it.skip(`skipped: ${release.label} is not available (see warning above)`, () => {})
    return
  }
  const path = release.path
  it('every named struct agrees with the layout engine', () => {
    const binary = GoBinary.open(path)
    try {
      expect(binary.goVersion?.raw).toMatch(new RegExp(`^${release.version.replace('.', '\\.')}(\\.|$)`))
      const rt = RuntimeTypes.open(binary)
      let structs = 0
      let fields = 0
      let embedded = 0
      for (const name of rt.typeNames()) {
        const t = rt.lookupType(name)!
        const again = relaidOut(t)
        if (!again || t.kind !== 'struct') continue
        expect({ size: t.size, align: t.align, offsets: t.fields.map((f) => f.offset) }, name)
          .toEqual({ size: again.size, align: again.align, offsets: again.fields.map((f) => f.offset) })
        structs++
        fields += t.fields.length
        embedded += t.fields.filter((f) => f.embedded).length
      }
      console.log(`${release.label}: ${structs} named structs, ${fields} fields (${embedded} embedded) consistent`)
      expect(structs).toBeGreaterThan(100)
      expect(embedded, 'embedded fields are recognised (offsetAnon bit 0 before 1.19)').toBeGreaterThan(0)
      const main = [...rt.typeNames()].filter((n) => n.startsWith('main.'))
      expect(main.length, 'esbuild\'s main package has named types').toBeGreaterThan(0)
      const file = rt.lookupType('os.File')
      expect(file?.kind === 'struct' && file.fields[0]).toMatchObject({ name: 'file', embedded: true, offset: 0 })
      // The only check available here of the version table's pre-1.19 runtime.g: its declared
      // leading fields against this release's own descriptor.
      const g = rt.lookupType('runtime.g')!
      const declared = new VersionTable(binary.goVersion!.minor).declaredLayout('runtime.g')!
      const count = declared.kind === 'struct' ? declared.fields.length : 0
      expect(layoutView(declared, { typeTexts: false, fieldCount: count }), 'runtime.g of the version table').toEqual(layoutView(g, { typeTexts: false, fieldCount: count }))
    } finally {
      binary.close()
    }
  })
})

describe('Go versions outside the known descriptor layouts', () => {
  it('before 1.13 and beyond Go 1 are refused with a clear error, not guessed', () => {
    for (const raw of ['go1.12.17', 'go2.0.0']) {
      const v = parseGoVersion(raw)!
      expect(() => runtimeTypeLayout(v, []), raw).toThrow(UnsupportedError)
      expect(() => runtimeTypeLayout(v, []), raw).toThrow(/Go 1\.13 to 1\.27/)
    }
  })

  it('a Go 1 release newer than 1.27 gets 1.27\'s layout, marked as assumed; 1.27 itself is not', () => {
    const v127 = runtimeTypeLayout(parseGoVersion('go1.27.3')!, [])
    expect(v127.assumedFrom).toBeUndefined()
    for (const raw of ['go1.28.0', 'go1.31rc1']) {
      const newer = runtimeTypeLayout(parseGoVersion(raw)!, [])
      expect(newer.assumedFrom, raw).toBe('Go 1.27')
      expect({ ...newer, assumedFrom: undefined }, raw).toEqual({ ...v127, assumedFrom: undefined })
    }
  })

  it('the map descriptor size follows the swiss-map experiment', () => {
    const v124 = parseGoVersion('go1.24.0')!
    expect(runtimeTypeLayout(v124, []).mapDescriptorSize).not.toBe(runtimeTypeLayout(v124, ['noswissmap']).mapDescriptorSize)
  })
})

/** A large stripped program: the index must be cheap to build. */
describe('index cost on a large stripped binary', async () => {
  const tcs = await toolchains()
  const newest = tcs[0]!
  it(`cmd/go built by ${newest.id} with -ldflags=-s -w`, async () => {
    const out = join(cacheDir(), `cmd-go-stripped-${newest.id}`)
    if (!existsSync(out)) {
      const goroot = (await execFileAsync(newest.goBin, ['env', 'GOROOT'], { env: { ...process.env, ...newest.env } })).stdout.trim()
      await execFileAsync(newest.goBin, ['build', '-ldflags=-s -w', '-o', out, '.'], { cwd: join(goroot, 'src', 'cmd', 'go'), env: { ...process.env, ...newest.env }, timeout: 600_000 })
    }
    const binary = GoBinary.open(out)
    try {
      const started = performance.now()
      const rt = RuntimeTypes.open(binary)
      const size = rt.index.size
      const indexed = performance.now() - started
      const request = rt.lookupType('net/http.Request')
      console.log(`cmd/go stripped (${(readFileSync(out).length / 2 ** 20).toFixed(1)} MiB): ${size} named types indexed in ${indexed.toFixed(0)} ms`)
      expect(size).toBeGreaterThan(1000)
      expect(request?.kind).toBe('struct')
    } finally {
      binary.close()
    }
  })
})

// ---- mutation fuzzing of the type reader ----

const seed = Number(process.env.GOPROBE_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
const HANG_MS = 5000

function prng(s: number): () => number {
  let a = s >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** Everything the type reader does: open, index, convert every named type and render it. */
function readAllTypes(path: string): number {
  const binary = GoBinary.open(path)
  try {
    const rt = RuntimeTypes.open(binary)
    let n = 0
    for (const name of rt.typeNames()) {
      const t = rt.lookupType(name)!
      if (t.kind === 'struct') n += t.fields.length
      n++
    }
    return n
  } finally {
    binary.close()
  }
}

/**
 * File offsets where mutations land: named types' descriptors (each case corrupts bytes in
 * the 96 after one), and the moduledata words from `types` to the end of itablinks.
 */
function mutationSites(path: string): number[] {
  const binary = GoBinary.open(path)
  try {
    const rt = RuntimeTypes.open(binary)
    const descriptors = [...rt.index.values()].map((vaddr) => binary.elf.vaddrToOffset(vaddr)!)
    const md = findModuledata(binary.elf, binary.pclntab)!
    const moduledata = Array.from({ length: 16 }, (_, i) => binary.elf.vaddrToOffset(md.vaddr + 200 + i * 12)!)
    return [...descriptors, ...moduledata].filter((o) => o !== undefined)
  } finally {
    binary.close()
  }
}

const scratch = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'goprobe-rtfuzz-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('mutation fuzzing of the runtime type reader', async () => {
  console.log(`runtime-types fuzz: seed ${seed} (replay with GOPROBE_FUZZ_SEED=${seed})`)
  const tcs = await toolchains()
  const go119 = tcs.find((t) => t.id.startsWith('go1.19'))
  const targets: { label: string; path: string }[] = [{ label: `basic ${tcs[0]!.id} stripped`, path: (await buildFixture('basic', tcs[0]!, 'stripped')).path }]
  if (go119) targets.push({ label: `basic ${go119.id} stripped`, path: (await buildFixture('basic', go119, 'stripped')).path })
  else console.warn('runtime-types fuzz: go1.19 not available, the pre-1.20 layouts are not fuzzed')
  // 1.27 walks descriptors and itabs back to back instead of following lists: fuzz that walk too.
  const go127 = tcs.find((t) => goVersionAtLeast(t, '1.27') && t !== tcs[0])
  if (go127) targets.push({ label: `basic ${go127.id} stripped`, path: (await buildFixture('basic', go127, 'stripped')).path })
  else if (!goVersionAtLeast(tcs[0]!, '1.27')) console.warn('runtime-types fuzz: no go1.27+ toolchain, the back-to-back descriptor walk is not fuzzed')
  const esbuild = await esbuildBinary()
  if (esbuild) targets.push({ label: 'esbuild go1.16', path: esbuild })
  else console.warn('runtime-types fuzz: esbuild not available, the 2-byte name encoding is not fuzzed')

  it.each(targets.map((t, i) => [t.label, t, i] as const))('%s: corrupted descriptors give GoprobeErrors', (_label, target, index) => {
    const rand = prng(seed + index * 104729)
    const original = readFileSync(target.path)
    const offsets = mutationSites(target.path)
    const path = join(scratch, `target-${index}`)
    writeFileSync(path, original)
    expect(readAllTypes(path)).toBeGreaterThan(0)
    const outcomes = new Map<string, number>()
    const fd = openSync(path, 'r+')
    try {
      for (let i = 0; i < 400; i++) {
        const at = offsets[Math.floor(rand() * offsets.length)]! + Math.floor(rand() * 96)
        const n = 1 + Math.floor(rand() * 8)
        const bytes = Buffer.from(Array.from({ length: n }, () => (rand() < 0.3 ? [0, 0xff][Math.floor(rand() * 2)]! : Math.floor(rand() * 256))))
        writeSync(fd, bytes, 0, n, at)
        const started = performance.now()
        let outcome = 'ok'
        try {
          readAllTypes(path)
        } catch (e) {
          if (!(e instanceof GoprobeError)) throw new Error(`case ${i} (${n} bytes at ${at}): ${(e as Error).stack}`)
          outcome = e.name
        }
        expect(performance.now() - started, `case ${i} took too long (hang?)`).toBeLessThan(HANG_MS)
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
        writeSync(fd, original, at, n, at)
      }
    } finally {
      closeSync(fd)
    }
    console.log(`runtime-types fuzz ${target.label}: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}`)
    expect(outcomes.get('ok') ?? 0, 'some mutations hit bytes the reader checks').toBeLessThan(400)
  })

  it('a pointer type whose element is itself gives a cyclic graph, not a loop', () => {
    const target = targets[0]!
    const original = readFileSync(target.path)
    const binary = GoBinary.open(target.path)
    let pointer: number
    let patched: Buffer
    try {
      const rt = RuntimeTypes.open(binary)
      // main.Outer's ptrToThis (typeOff at +44) leads to *main.Outer, whose element word is at +48.
      const outer = rt.index.get('main.Outer')!
      pointer = rt.sections.types + original.readInt32LE(binary.elf.vaddrToOffset(outer + 44)!)
      const before = rt.typeAt(pointer)
      expect(before.kind === 'pointer' && before.elem.name).toBe('main.Outer')
      patched = Buffer.from(original)
      patched.writeBigUInt64LE(BigInt(pointer), binary.elf.vaddrToOffset(pointer + 48)!)
    } finally {
      binary.close()
    }
    const path = join(scratch, 'cyclic')
    writeFileSync(path, patched)
    const b = GoBinary.open(path)
    try {
      const rt = RuntimeTypes.open(b)
      expect(rt.index.size).toBeGreaterThan(0)
      const t = rt.typeAt(pointer)
      expect(t.kind === 'pointer' && t.elem).toBe(t)
    } finally {
      b.close()
    }
  })
})
