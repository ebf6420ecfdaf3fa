/**
 * A Go newer than every release goprobe has checked. No such toolchain exists, so a
 * stripped go1.27 build stands in for one: a copy with the version in its build info
 * raised by one minor release. Its metadata is 1.27's, so the binary confirms the
 * assumed layout, and goprobe must use it (goid and layouts equal to the DWARF of the
 * unstripped twin). Copies whose runtime.g no longer matches (the goid field moved, or
 * runtime.g renamed away) must be refused with what did not match, as must every use
 * of the version tables, which are never stretched to a newer release.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { GoBinary } from '../../src/binary/go-binary.ts'
import { UnsupportedError } from '../../src/errors.ts'
import { NEWEST_TABLED_MINOR, VersionTable } from '../../src/gotypes/tables/version-table.ts'
import { Target } from '../../src/target.ts'
import { REPO_ROOT, buildFixture, goVersionAtLeast, toolchains, type Toolchain } from '../support/fixtures.ts'
import { layoutView } from './layout-compare.ts'

const scratch = mkdtempSync(join(tmpdir(), 'goprobe-newer-go-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** The build info's version string raised by one minor release (same length: go1.27.3 -> go1.28.3). */
function raiseVersion(bytes: Buffer, path: string): string {
  const b = GoBinary.open(path)
  try {
    const section = b.elf.section('.go.buildinfo')!
    const raw = b.goVersion!.raw
    const newer = raw.replace(/^go1\.(\d+)/, (_, m: string) => `go1.${Number(m) + 1}`)
    expect(newer.length).toBe(raw.length)
    const at = bytes.indexOf(raw, section.offset)
    expect(at >= section.offset && at < section.offset + section.size, 'the version string is in .go.buildinfo').toBe(true)
    bytes.write(newer, at, 'latin1')
    return newer
  } finally {
    b.close()
  }
}

/** Where in the file runtime.g's descriptor keeps the goid field's offset word, and its type name record. */
function runtimeGSites(path: string, goid: number): { goidOffsetWord: number; nameText: number } {
  const t = Target.open(path)
  try {
    const types = t.runtimeTypes!
    const g = types.index.get('runtime.g')!
    const elf = t.binary.elf
    // abi.StructType: the 48-byte header, PkgPath, then Fields (pointer, len); 24-byte records with the offset at +16.
    const fields = elf.readPointer(g + 56)
    const count = elf.readPointer(g + 64)
    const record = Array.from({ length: count }, (_, i) => fields + i * 24).find((r) => elf.readPointer(r + 16) === goid)!
    // The header's nameOff (+40) leads to the name record: a flag byte, a one-byte uvarint length, then `*runtime.g`.
    const name = types.sections.types + Buffer.from(elf.readVaddr(g + 40, 4)).readInt32LE(0)
    const text = elf.vaddrToOffset(name + 2)!
    return { goidOffsetWord: elf.vaddrToOffset(record + 16)!, nameText: text }
  } finally {
    t.close()
  }
}

function goprobe(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [join(REPO_ROOT, 'bin', 'goprobe.js'), ...args], { encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

const newest = (await toolchains()).filter((tc) => goVersionAtLeast(tc, '1.27')).at(-1)

describe('a Go release newer than every checked one', () => {
  if (!newest) {
    console.warn('newer-go: no go1.27+ toolchain (GOPROBE_TOOLCHAINS), so the rule for newer releases is not tested')
    it.skip('skipped: no go1.27+ toolchain to stand in for a newer release', () => {})
    return
  }
  const tc: Toolchain = newest

  it('is read with the newest layout when its runtime.g confirms it', async () => {
    const stripped = await buildFixture('basic', tc, 'stripped')
    const twin = await buildFixture('basic', tc, 'default')
    const bytes = Buffer.from(readFileSync(stripped.path))
    const version = raiseVersion(bytes, stripped.path)
    const path = join(scratch, 'confirmed')
    writeFileSync(path, bytes, { mode: 0o755 })

    const dwarf = Target.open(twin.path)
    const target = Target.open(path)
    let goidOffset: number
    try {
      expect(target.binary.goVersion?.raw).toBe(version)
      expect(target.dwarf).toBeNull()
      expect(target.runtimeTypes?.layout.assumedFrom).toBe('Go 1.27')
      const want = dwarf.goidOffset()
      expect(want.source).toBe('dwarf')
      const goid = target.goidOffset()
      expect(goid).toMatchObject({ value: want.value, source: 'runtime-types' })
      goidOffset = goid.value
      expect(goid.detail).toMatch(/Go 1\.27's layout as its runtime\.g confirms/)
      for (const name of ['main.Outer', 'net/http.Request', 'os.File']) {
        const got = target.lookupType(name)
        expect(got.source, name).toBe('runtime-types')
        expect(layoutView(got.value, { typeTexts: true }), name).toEqual(layoutView(dwarf.lookupType(name).value, { typeTexts: true }))
      }
      // A type the newest table declares but this binary has no descriptor of: the tables do not stretch to the newer release.
      const undescribed = new VersionTable(NEWEST_TABLED_MINOR).typeNames().find((n) => !target.runtimeTypes!.index.has(n))
      expect(undescribed, 'the basic fixture lacks a descriptor of some tabled type').toBeDefined()
      expect(() => target.lookupType(undescribed!)).toThrow(new RegExp(`no version table: Go ${version.replace(/\./g, '\\.')} is newer than every version table \\(Go 1\\.27 is the newest known\\)`))
    } finally {
      target.close()
      dwarf.close()
    }
    const layout = execFileSync('node', [join(REPO_ROOT, 'bin', 'goprobe.js'), 'layout', path, 'runtime.g'], { encoding: 'utf8' })
    expect(layout).toMatch(/^struct runtime\.g \{ {2}\/\* from runtime type metadata, read with Go 1\.27's layout as its runtime\.g confirms \*\//)
    const program = execFileSync('node', [join(REPO_ROOT, 'bin', 'goprobe.js'), 'compile', 'latency', path, 'symbol=main.Add'], { encoding: 'utf8' })
    expect(program).toContain(`$__g + (uint64)${goidOffset})`)
  })

  it('is refused, naming the mismatch, when its runtime.g has goid elsewhere', async () => {
    const stripped = await buildFixture('basic', tc, 'stripped')
    const bytes = Buffer.from(readFileSync(stripped.path))
    const version = raiseVersion(bytes, stripped.path)
    const goidAt = goid(stripped.path)
    const { goidOffsetWord } = runtimeGSites(stripped.path, goidAt)
    bytes.writeBigUInt64LE(BigInt(goidAt + 8), goidOffsetWord)
    const path = join(scratch, 'goid-moved')
    writeFileSync(path, bytes, { mode: 0o755 })

    const target = Target.open(path)
    try {
      expect(target.runtimeTypes).toBeNull()
      const mismatch = new RegExp(`runtime type metadata of Go ${version.replace(/\./g, '\\.')} is newer than goprobe knows, and the binary does not confirm that Go 1\\.27's layout still holds: field \\d+ of its runtime\\.g is goid at ${goidAt + 8} \\(8 bytes\\), where Go 1\\.27 has goid at ${goidAt} \\(8 bytes\\)`)
      expect(() => target.lookupType('main.Outer')).toThrow(mismatch)
      expect(() => target.goidOffset()).toThrow(UnsupportedError)
      expect(() => target.goidOffset()).toThrow(/the goroutine id offset is unknown without DWARF: Go go1\.\d+\.\d+ is newer than every version table \(Go 1\.27 is the newest known\)/)
    } finally {
      target.close()
    }
    const r = goprobe(['compile', 'latency', path, 'symbol=main.Add'])
    expect(r.status).not.toBe(0)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/goroutine id offset is unknown without DWARF/)
  })

  it('is refused when its metadata has no runtime.g to confirm the layout with', async () => {
    const stripped = await buildFixture('basic', tc, 'stripped')
    const bytes = Buffer.from(readFileSync(stripped.path))
    raiseVersion(bytes, stripped.path)
    const { nameText } = runtimeGSites(stripped.path, goid(stripped.path))
    expect(bytes.toString('latin1', nameText, nameText + 10)).toBe('*runtime.g')
    bytes.write('*runtime.q', nameText, 'latin1')
    const path = join(scratch, 'no-runtime-g')
    writeFileSync(path, bytes, { mode: 0o755 })

    const r = goprobe(['layout', path, 'main.Outer'])
    expect(r.status).not.toBe(0)
    expect(r.stderr).toMatch(/does not confirm that Go 1\.27's layout still holds: its runtime type metadata has no runtime\.g to check/)
  })
})

/** The goid offset of a go1.27 binary as goprobe reads it from that release's own metadata (no assumption involved). */
function goid(path: string): number {
  const t = Target.open(path)
  try {
    expect(t.runtimeTypes?.layout.assumedFrom).toBeUndefined()
    return t.goidOffset().value
  } finally {
    t.close()
  }
}
