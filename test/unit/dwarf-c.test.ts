/**
 * DWARF that Go did not write: a C program compiled by GCC with DWARF 4 and 5,
 * plain and with compressed sections (`-gz`), read by goprobe and by Go's
 * debug/dwarf + Delve (test/oracles/dwarfdump). Standard forms (strp, line_strp,
 * implicit_const, ref4), DW_LLE_* kinds and range lists that Go never emits.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { ElfFile } from '../../src/binary/elf.ts'
import { Dwarf } from '../../src/dwarf/dwarf.ts'
import { DwarfFunctions } from '../../src/dwarf/go-functions.ts'
import { DwarfTypes } from '../../src/dwarf/go-types.ts'
import { dwarfDump, oracleProgram } from '../oracles/dwarfdump/dwarfdump.ts'
import { compareFunctions, compareStructs, compareUnitRanges } from '../oracles/dwarfdump/compare.ts'

const execFileAsync = promisify(execFile)
const GCC = '/usr/bin/gcc'
const VARIANTS = ['-gdwarf-4', '-gdwarf-5', '-gdwarf-5 -gz=zlib']

if (!existsSync(GCC)) console.warn(`DWARF C TESTS NOT RUN: ${GCC} is missing`)

describe.skipIf(!existsSync(GCC))('C DWARF from GCC', () => {
  it.each(VARIANTS)('gcc -O2 %s: structs, functions and entry locations equal debug/dwarf + Delve', async (variant) => {
    const flags = variant.split(' ')
    const out = join(await mkdtemp(join(tmpdir(), 'goprobe-dwarf-c-')), 'node')
    await execFileAsync(GCC, ['-O2', ...flags, '-o', out, join(oracleProgram('c'), 'node.c')])
    const dump = await dwarfDump(out)
    const elf = ElfFile.open(out)
    const dwarf = new Dwarf((n) => elf.sectionData(n))
    const types = new DwarfTypes(dwarf)
    expect(dump.structs.map((s) => s.name)).toContain('node')
    expect(compareStructs(types, dump)).toBeGreaterThan(0)
    expect(compareUnitRanges(dwarf, dump)).toBeGreaterThan(0)
    const r = compareFunctions(dwarf, new DwarfFunctions(dwarf, types), dump)
    expect(dump.functions.map((f) => f.name)).toEqual(expect.arrayContaining(['main', 'sum', 'weigh']))
    console.log(`gcc ${flags.join(' ')}: ${r.functions} functions, ${r.params} parameters (${r.located} located at low_pc) match; skipped: ${r.skipped.join('; ') || 'none'}`)
    expect(r.located).toBeGreaterThan(3)
    elf.close()
  })
})
