/**
 * DWARF sections inflated ahead on the thread pool (ElfFile.prefetch) must be the bytes
 * the linker compressed: the oracle is binutils' objcopy --decompress-debug-sections.
 * Corrupted compressed data must still fail where it always did, in sectionData, with
 * the reader's own error.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ElfFile, SHF_COMPRESSED } from '../../src/binary/elf.ts'
import { BinaryFormatError } from '../../src/errors.ts'
import { buildFixture, toolchains } from '../support/fixtures.ts'

const SECTIONS = ['.debug_info', '.debug_abbrev', '.debug_line', '.debug_addr', '.debug_rnglists', '.debug_ranges', '.debug_loclists', '.debug_loc']
const [tc] = await toolchains()

describe(`DWARF sections prefetched from the ${tc!.id} basic fixture`, () => {
  it('equal what objcopy decompresses', async () => {
    const compressed = (await buildFixture('basic', tc!, 'default')).path
    const plain = join(mkdtempSync(join(tmpdir(), 'goprobe-prefetch-')), 'basic')
    execFileSync('objcopy', ['--decompress-debug-sections', compressed, plain])
    const elf = ElfFile.open(compressed)
    const oracle = ElfFile.open(plain)
    await elf.prefetch(SECTIONS)
    // Closed, it can only answer from what the prefetch left.
    elf.close()
    let compared = 0
    for (const name of SECTIONS) {
      const want = oracle.sectionData(name)
      expect(elf.section(name) !== undefined, name).toBe(want !== undefined)
      if (!want) continue
      expect((elf.section(name)!.flags & SHF_COMPRESSED) !== 0, `${name} is compressed`).toBe(true)
      expect((oracle.section(name)!.flags & SHF_COMPRESSED) !== 0, `objcopy's ${name} is compressed`).toBe(false)
      expect(Buffer.from(elf.sectionData(name)!).equals(Buffer.from(want)), name).toBe(true)
      compared++
    }
    expect(compared).toBeGreaterThanOrEqual(5)
    oracle.close()
  })

  it('leave corrupted data to sectionData, which reports it', async () => {
    const original = (await buildFixture('basic', tc!, 'default')).path
    const info = ElfFile.open(original)
    const sec = info.section('.debug_info')!
    info.close()
    const path = join(mkdtempSync(join(tmpdir(), 'goprobe-prefetch-')), 'basic')
    copyFileSync(original, path)
    const bytes = readFileSync(path)
    // Past the 24-byte compression header, in the middle of the zlib stream.
    bytes.fill(0xff, sec.offset + Math.floor(sec.size / 2), sec.offset + Math.floor(sec.size / 2) + 64)
    writeFileSync(path, bytes)
    const elf = ElfFile.open(path)
    await expect(elf.prefetch(['.debug_info'])).resolves.toBeUndefined()
    expect(() => elf.sectionData('.debug_info')).toThrow(BinaryFormatError)
    expect(() => elf.sectionData('.debug_info')).toThrow(/section \.debug_info: corrupted zlib data/)
    elf.close()
  })
})
