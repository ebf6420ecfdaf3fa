/**
 * The version tables (src/gotypes/tables) against DWARF: every declaration in force for
 * a toolchain's release is laid out by the layout engine and compared, field by field,
 * with the type DWARF describes in a program built by that toolchain
 * (version-tables-oracle/, which refers to every declared type). Add toolchains with
 * GOPROBE_TOOLCHAINS (e.g. go1.20.14,go1.21.13,go1.22.12,go1.23.12,go1.24.0,go1.25.0).
 */
import { execFile, execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { GoBinary } from '../../src/binary/go-binary.ts'
import { findModuledata, readTypeSections } from '../../src/binary/moduledata.ts'
import { parseGoVersion } from '../../src/binary/go-version.ts'
import { ALL_DECLARATIONS, NEWEST_TABLED_MINOR, VersionTable, versionTableFor } from '../../src/gotypes/tables/version-table.ts'
import type { GoType } from '../../src/gotypes/types.ts'
import { Target } from '../../src/target.ts'
import { REPO_ROOT, buildFixture, buildLabel, cacheDir, toolchains, type Toolchain } from '../support/fixtures.ts'
import { layoutView } from './layout-compare.ts'

const execFileAsync = promisify(execFile)
const ORACLE_DIR = join(REPO_ROOT, 'test', 'unit', 'version-tables-oracle')

/** The oracle program built by one toolchain, cached by source hash. */
async function buildOracle(tc: Toolchain): Promise<string> {
  const hash = createHash('sha256')
  for (const f of ['go.mod', 'main.go']) hash.update(readFileSync(join(ORACLE_DIR, f)))
  const out = join(cacheDir(), `version-tables-oracle-${hash.digest('hex').slice(0, 12)}`, tc.id)
  if (!existsSync(out)) {
    mkdirSync(dirname(out), { recursive: true })
    const tmp = `${out}.tmp-${process.pid}`
    await execFileAsync(tc.goBin, ['build', '-o', tmp, '.'], { cwd: ORACLE_DIR, env: { ...process.env, ...tc.env }, timeout: 600_000 })
    renameSync(tmp, out)
  }
  return out
}

const minorOf = (id: string) => Number(/^go1\.(\d+)/.exec(id)?.[1])

function structFieldCount(t: GoType): number {
  return t.kind === 'struct' ? t.fields.length : 0
}

const verified = new Map<number, string>()

describe.each((await toolchains()).map((tc) => [tc.id, tc] as const))('version table of %s', (_id, tc) => {
  const minor = minorOf(tc.id)
  it('every declaration in force equals DWARF', async () => {
    const table = new VersionTable(minor)
    const inForce = ALL_DECLARATIONS.filter((d) => minor >= d.go[0] && minor <= d.go[1])
    expect(inForce.length).toBeGreaterThan(10)
    // The linker writes DWARF only for types something refers to: the oracle program refers to them all.
    const targets = [Target.open(await buildOracle(tc))]
    const runtimeTypes = targets[0]!.runtimeTypes
    expect(runtimeTypes, 'the oracle\'s runtime type metadata is readable').not.toBeNull()
    const checkedByDescriptor: string[] = []
    const notInDwarf: string[] = []
    try {
      for (const decl of inForce) {
        const ours = decl.prefix ? undefined : table.lookupType(decl.name)
        const declared = table.declaration(decl.name)!
        expect(declared, decl.name).toBe(decl)
        const fromDwarf = targets.map((t) => t.dwarf?.types.lookupType(decl.name)).find((t) => t !== undefined)
        if (!fromDwarf) {
          notInDwarf.push(decl.name)
          continue
        }
        if (decl.prefix) {
          // Only the leading fields are declared: compare exactly those.
          const offsets = ['goid', 'stack', 'm', 'sched'].map((f) => table.fieldOffset(decl.name, f))
          const dwarfOffsets = ['goid', 'stack', 'm', 'sched'].map((f) => (fromDwarf.kind === 'struct' ? fromDwarf.fields.find((x) => x.name === f)?.offset : undefined))
          expect(offsets, `${decl.name} (prefix) on ${tc.id}`).toEqual(dwarfOffsets)
          const n = table.declaredLayout(decl.name)!
          expect(layoutView(n, { typeTexts: false, fieldCount: structFieldCount(n) }), `${decl.name} on ${tc.id}`)
            .toEqual(layoutView(fromDwarf, { typeTexts: false, fieldCount: structFieldCount(n) }))
          continue
        }
        // DWARF has no alignments (the reader derives them from the fields), so a marker
        // like sync/atomic.align64 comes out 1-aligned there; the type descriptor, where
        // the program has one, records the compiler's own alignment and takes precedence.
        const descriptor = runtimeTypes?.lookupType(decl.name)
        const expected = { ...layoutView(fromDwarf, { typeTexts: false }), ...(descriptor ? { align: descriptor.align } : {}) }
        expect(layoutView(ours!, { typeTexts: false }), `${decl.name} on ${tc.id}`).toEqual(expected)
        if (descriptor) {
          expect(layoutView(ours!, { typeTexts: false }), `${decl.name} on ${tc.id} (type descriptor)`).toEqual(layoutView(descriptor, { typeTexts: false }))
          checkedByDescriptor.push(decl.name)
        }
        if (ours!.kind === 'interface' && fromDwarf.kind === 'interface') expect(ours!.empty, decl.name).toBe(fromDwarf.empty)
      }
    } finally {
      for (const t of targets) t.close()
    }
    const checked = inForce.length - notInDwarf.length
    verified.set(minor, tc.id)
    console.log(`version table for Go 1.${minor}: ${checked}/${inForce.length} declarations equal the DWARF of ${tc.id} (${checkedByDescriptor.length} also its type descriptors)`)
    if (notInDwarf.length) console.warn(`version table for Go 1.${minor}: NOT VERIFIED (the oracle's DWARF lacks them): ${notInDwarf.join(', ')}`)
    // The types the helpers read must be verified, not just declared.
    expect(notInDwarf.filter((n) => ['runtime.g', 'net/http.Request', 'net/http.Response', 'net/url.URL', 'os.file', 'crypto/tls.Conn', 'crypto/tls.Config', 'database/sql.DB', 'database/sql.Conn'].includes(n))).toEqual([])
    // Stripped programs that use TLS carry a descriptor of tls.Conn, and the table stands in
    // for it in those that do not: the two must agree on one binary, not only with DWARF.
    expect(checkedByDescriptor).toContain('crypto/tls.Conn')
  })
})

describe('declared ranges', () => {
  afterAll(() => {
    const declared = new Set(ALL_DECLARATIONS.flatMap((d) => Array.from({ length: d.go[1] - d.go[0] + 1 }, (_, i) => d.go[0] + i)))
    const unverified = [...declared].filter((m) => !verified.has(m)).sort((a, b) => a - b)
    if (unverified.length) console.warn(`version tables: releases declared but not verified by a toolchain here: ${unverified.map((m) => `1.${m}`).join(', ')}`)
  })

  it('every declaration lays out for every release it claims', () => {
    for (let minor = 13; minor <= NEWEST_TABLED_MINOR; minor++) {
      const table = new VersionTable(minor)
      for (const d of ALL_DECLARATIONS.filter((x) => minor >= x.go[0] && minor <= x.go[1])) {
        const t = d.prefix ? table.fieldOffset(d.name, 'goid') : table.lookupType(d.name)?.size
        expect(t, `${d.name} for Go 1.${minor}`).toBeGreaterThanOrEqual(0)
      }
      expect(table.fieldOffset('runtime.g', 'goid'), `runtime.g for Go 1.${minor}`).toBeGreaterThan(0)
    }
  })

  it('a release outside a type\'s ranges gets an explanation, not the nearest range', () => {
    const t15 = new VersionTable(15)
    expect(t15.lookupType('net/http.Request')).toBeUndefined()
    expect(t15.explainMissing('net/http.Request')).toMatch(/declares net\/http\.Request for Go 1\.19–1\.21, Go 1\.22, Go 1\.23–1\.27, not Go 1\.15/)
    expect(new VersionTable(NEWEST_TABLED_MINOR + 1).fieldOffset('runtime.g', 'goid')).toBeUndefined()
    expect(t15.explainMissing('net/http.Nope')).toMatch(/does not declare/)
  })

  it('the table is chosen by the Go version alone, and only for releases', () => {
    const pick = (raw: string | undefined) => versionTableFor(raw === undefined ? undefined : parseGoVersion(raw))
    expect(pick('go1.22.12')).toBeInstanceOf(VersionTable)
    expect((pick('go1.23rc2') as VersionTable).minor, 'a release candidate has its release\'s layouts').toBe(23)
    expect(pick('devel go1.24-abcdef Tue Jan 1 00:00:00 2024 +0000')).toMatch(/development toolchain/)
    expect(pick('go1.28.0')).toMatch(/newer than every version table \(Go 1\.27 is the newest known\)/)
    expect(pick(undefined)).toMatch(/unknown/)
  })

  it('prefix-only declarations are never handed out as whole types', () => {
    expect(new VersionTable(26).lookupType('runtime.g')).toBeUndefined()
    expect(new VersionTable(26).typeNames()).not.toContain('runtime.g')
  })
})

/**
 * The Target's last resort in action: a stripped build whose moduledata `types` word is
 * zeroed has no readable runtime type metadata, so layouts and the goroutine id offset
 * must come from the tables, and say so.
 */
const TABLE_FALLBACK_TYPES = ['net/http.Request', 'net/url.URL', 'net.TCPAddr', 'os.File', 'crypto/tls.Conn']

describe.each((await toolchains()).map((tc) => [tc.id, tc] as const))('%s stripped, runtime type metadata unreadable', (_id, tc) => {
  const scratch = mkdtempSync(join(tmpdir(), 'goprobe-vt-'))
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))
  it('Target falls back to the version table and says so', async () => {
    const stripped = await buildFixture('basic', tc, 'stripped')
    const twin = await buildFixture('basic', tc, 'default')
    const path = join(scratch, 'basic')
    const bytes = Buffer.from(readFileSync(stripped.path))
    const b = GoBinary.open(stripped.path)
    try {
      const md = findModuledata(b.elf, b.pclntab)!
      const sections = readTypeSections(b.elf, md, b.pclntab)
      // Zero every moduledata word equal to `types`: the types/etypes pair is the only one.
      for (let off = 0; off < 512; off += 8) {
        const at = b.elf.vaddrToOffset(md.vaddr + off)!
        if (Number(bytes.readBigUInt64LE(at)) === sections.types) bytes.writeBigUInt64LE(0n, at)
      }
    } finally {
      b.close()
    }
    writeFileSync(path, bytes, { mode: 0o755 })
    const dwarf = Target.open(twin.path)
    const target = Target.open(path)
    try {
      expect(target.runtimeTypes).toBeNull()
      const goid = target.goidOffset()
      expect(goid.source).toBe('version-table')
      expect(goid.value).toBe(dwarf.goidOffset().value)
      expect(dwarf.goidOffset().source).toBe('dwarf')
      for (const name of TABLE_FALLBACK_TYPES) {
        const got = target.lookupType(name)
        expect(got.source, name).toBe('version-table')
        expect(layoutView(got.value, { typeTexts: false }), name).toEqual(layoutView(dwarf.lookupType(name).value, { typeTexts: false }))
      }
      const out = execFileSync('node', [join(REPO_ROOT, 'bin', 'goprobe.js'), 'layout', path, 'net/http.Request'], { encoding: 'utf8' })
      expect(out).toMatch(/from version table for go1\./)
      expect(() => target.lookupType('main.Outer')).toThrow(/no runtime type metadata .*; the version table does not declare main\.Outer/)
    } finally {
      target.close()
      dwarf.close()
    }
    console.log(`${buildLabel(stripped)} without runtime types: goid ${target.goidOffset().value} and ${TABLE_FALLBACK_TYPES.length} stdlib layouts from the version table equal DWARF`)
  })
})
