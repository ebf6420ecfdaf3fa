/**
 * Layouts read from DWARF against the fixture program's own view of them: the
 * `basic` fixture's `layouts` mode prints reflect's sizes, alignments, field
 * offsets and field types. Every toolchain, default and PIE builds.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { ElfFile } from '../../src/binary/elf.ts'
import { Dwarf } from '../../src/dwarf/dwarf.ts'
import { DwarfTypes } from '../../src/dwarf/go-types.ts'
import { typeString, type GoType } from '../../src/gotypes/types.ts'
import { allBuilds, buildLabel } from '../support/fixtures.ts'
import { dwarfDump } from '../oracles/dwarfdump/dwarfdump.ts'

const execFileAsync = promisify(execFile)

interface ReflectField { name: string; type: string; offset: number; size: number; embedded: boolean }
interface ReflectLayout { name: string; kind: string; size: number; align: number; fields?: ReflectField[] }

/** reflect.Kind names that differ from the model's kind names. */
const REFLECT_KIND: Record<string, string> = { ptr: 'pointer' }

/**
 * reflect spells field types with package names (`*url.URL`) where DWARF has paths
 * (`*net/url.URL`); compare the type text when reflect's is path-free or names a
 * defined type (the fixture prints those with their full path). Struct and func
 * literals and channels are left out: typeString abbreviates the first two and the
 * model has no channel direction.
 */
function comparableTypeText(reflectType: string, ours: GoType): boolean {
  if (ours.name !== undefined) return true
  return !/\.|\bchan\b|\bfunc\b|\bstruct\b/.test(reflectType)
}

describe.each(await allBuilds('basic', ['default', 'pie']))('layouts of $fixture $toolchain.id $mode', (build) => {
  it('equal the program\'s own reflect layouts', async () => {
    const { stdout } = await execFileAsync(build.path, ['layouts'])
    const layouts = stdout.trim().split('\n').map((l) => JSON.parse(l) as ReflectLayout)
    expect(layouts.map((l) => l.name)).toEqual(expect.arrayContaining(['main.Outer', 'net/http.Request', 'net/url.URL', 'crypto/tls.Config']))
    const elf = ElfFile.open(build.path)
    const types = new DwarfTypes(new Dwarf((n) => elf.sectionData(n)))
    // The linker emits DWARF only for types some DWARF entry refers to, so a type the
    // program reaches only through reflect can be absent; debug/dwarf must agree.
    const oracleStructs = new Set((await dwarfDump(build.path)).structs.map((s) => s.name))
    const absent: string[] = []
    let fields = 0
    let typeTexts = 0
    for (const want of layouts) {
      const got = types.lookupType(want.name)
      if (!got) {
        if (want.kind === 'struct') expect(oracleStructs.has(want.name), `${want.name} is in debug/dwarf's view`).toBe(false)
        absent.push(want.name)
        continue
      }
      expect({ kind: got!.kind, size: got!.size, align: got!.align }, want.name).toEqual({ kind: REFLECT_KIND[want.kind] ?? want.kind, size: want.size, align: want.align })
      if (got!.kind !== 'struct') continue
      expect(got!.fields.map((f) => f.name), want.name).toEqual((want.fields ?? []).map((f) => f.name))
      for (const [i, wf] of (want.fields ?? []).entries()) {
        const gf = got!.fields[i]!
        expect({ offset: gf.offset, size: gf.type.size, embedded: gf.embedded }, `${want.name}.${wf.name}`).toEqual({ offset: wf.offset, size: wf.size, embedded: wf.embedded })
        fields++
        if (comparableTypeText(wf.type, gf.type)) {
          expect(typeString(gf.type), `${want.name}.${wf.name} type`).toBe(wf.type)
          typeTexts++
        }
      }
    }
    if (absent.length) console.warn(`${buildLabel(build)}: not in DWARF (debug/dwarf agrees): ${absent.join(', ')}`)
    expect(absent).not.toEqual(expect.arrayContaining(['net/http.Request']))
    console.log(`${buildLabel(build)}: ${layouts.length - absent.length} types, ${fields} fields (${typeTexts} with type text) equal reflect`)
    elf.close()
  })
})

/**
 * runtime.g's goid offset, which probes read on every event, against the offsets
 * DataDog's and OpenTelemetry's generated tables record for real builds
 * (go-internals.md §5): 152 up to 1.22, 160 in 1.23–1.24, 152 again from 1.25.
 */
function publishedGoidOffset(version: string): number {
  const minor = Number(version.split('.')[1])
  return minor >= 23 && minor <= 24 ? 160 : 152
}

describe.each(await allBuilds('basic', ['default']))('runtime.g of $fixture $toolchain.id', (build) => {
  it('puts goid where the published tables say, and stack first', () => {
    const elf = ElfFile.open(build.path)
    const g = new DwarfTypes(new Dwarf((n) => elf.sectionData(n))).lookupType('runtime.g')
    expect(g?.kind).toBe('struct')
    const field = (name: string) => (g?.kind === 'struct' ? g.fields.find((f) => f.name === name) : undefined)
    expect(field('goid')?.offset).toBe(publishedGoidOffset(build.toolchain.version))
    expect(field('stack')?.offset).toBe(0)
    expect(field('stack')?.type.size).toBe(16)
    expect(field('m')?.offset).toBe(48)
    elf.close()
  })
})
