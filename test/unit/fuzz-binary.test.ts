/**
 * Mutation fuzzing of real Go binaries: every failure of GoBinary.open, buildInfo,
 * functions, abi and buildIds on a corrupted file must be a GoprobeError subclass
 * (the CLI prints one line), never a TypeError/RangeError or a hang.
 *
 * Mutations aim at the metadata goprobe parses (ELF/program/section headers, section
 * names, pclntab header, functab, _func records, name and pc tables, build info,
 * moduledata, notes, relocations, symbols): corrupting the middle of .text proves
 * nothing. The run is seeded; set GOPROBE_FUZZ_SEED to replay one.
 */
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { GoprobeError } from '../../src/errors.ts'
import { ElfFile } from '../../src/binary/elf.ts'
import { GoBinary } from '../../src/binary/go-binary.ts'
import { buildFixture, esbuildBinary, toolchains } from '../support/fixtures.ts'

const seed = Number(process.env.GOPROBE_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
console.log(`fuzz-binary: seed ${seed} (replay with GOPROBE_FUZZ_SEED=${seed})`)
/** A case slower than this is reported as a hang. */
const HANG_MS = 5000

/** mulberry32: small, fast, good enough to pick mutations reproducibly. */
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

interface Region {
  readonly name: string
  readonly start: number
  readonly end: number
}

/** File ranges holding what the readers parse, found from the pristine file. */
function interestingRegions(path: string): Region[] {
  const elf = ElfFile.open(path)
  try {
    const regions: Region[] = [{ name: 'ELF header', start: 0, end: 64 }]
    const bytes = readFileSync(path)
    const phoff = Number(bytes.readBigUInt64LE(32))
    regions.push({ name: 'program headers', start: phoff, end: phoff + bytes.readUInt16LE(54) * bytes.readUInt16LE(56) })
    const shoff = Number(bytes.readBigUInt64LE(40))
    if (shoff) regions.push({ name: 'section headers', start: shoff, end: shoff + bytes.readUInt16LE(58) * bytes.readUInt16LE(60) })
    const window = (name: string, start: number, size: number): void => {
      if (size > 0) regions.push({ name, start, end: Math.min(start + size, bytes.length) })
    }
    for (const s of elf.sections) {
      if (s.type === 8 || s.size === 0) continue
      if (s.name === '.gopclntab' || s.name === '.data.rel.ro.gopclntab') {
        window('pclntab header', s.offset, 80)
        const functab = Number(bytes.readBigUInt64LE(s.offset + (bytes.readUInt32LE(s.offset) === 0xfffffffa ? 56 : 64)))
        window('functab', s.offset + functab, 4096)
        window('func records', s.offset + functab + Math.floor((s.size - functab) / 2), 4096)
        window('function names', s.offset + 72, 4096)
        window('pclntab tail', s.offset + s.size - 4096, 4096)
      } else if (['.go.buildinfo', '.go.module', '.shstrtab', '.note.go.buildid', '.note.gnu.build-id'].includes(s.name)) {
        window(s.name, s.offset, Math.min(s.size, 4096))
      } else if (s.name.startsWith('.rela') || s.name === '.symtab' || s.name === '.strtab') {
        window(s.name, s.offset, 2048)
      }
    }
    const buildVersionAt = elf.vaddrToOffset(elf.section('.go.buildinfo')?.addr ?? -1)
    if (buildVersionAt === undefined) {
      // esbuild (go1.16): the build info points at string headers elsewhere; corrupt those too.
      const strings = elf.section('.noptrdata')
      if (strings) window('string headers', strings.offset, 4096)
    }
    return regions
  } finally {
    elf.close()
  }
}

type Mutation = { describe: string; apply: (fd: number) => void; restore: (fd: number) => void }

function mutations(original: Buffer, regions: Region[], rand: () => number): Mutation {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const region = pick(regions)
  const span = region.end - region.start
  const at = region.start + Math.floor(rand() * span)
  const patch = (offset: number, bytes: Buffer, what: string): Mutation => ({
    describe: `${what} at ${offset} (${region.name})`,
    apply: (fd) => writeSync(fd, bytes, 0, bytes.length, offset),
    restore: (fd) => writeSync(fd, original, offset, bytes.length, offset),
  })
  switch (Math.floor(rand() * 5)) {
    case 0: {
      const b = Buffer.from(original.subarray(at, at + 1))
      b[0] = b[0]! ^ (1 << Math.floor(rand() * 8))
      return patch(at, b, 'bit flip')
    }
    case 1: {
      const n = 1 + Math.floor(rand() * 16)
      const b = Buffer.from(Array.from({ length: Math.min(n, original.length - at) }, () => Math.floor(rand() * 256)))
      return patch(at, b, `${b.length} random bytes`)
    }
    case 2: {
      const aligned = at - (at % 4)
      const values = [0n, 1n, 0xffffffffn, 0x7fffffffn, 0x80000000n, BigInt(original.length), 1n << 40n, 0xffffffffffffffffn, BigInt(Math.floor(rand() * 2 ** 32)) << 16n]
      const b = Buffer.alloc(8)
      b.writeBigUInt64LE(pick(values))
      return patch(aligned, b.subarray(0, Math.min(rand() < 0.5 ? 4 : 8, original.length - aligned)), `value 0x${b.readBigUInt64LE().toString(16)}`)
    }
    case 3: {
      const n = Math.min(1 + Math.floor(rand() * 256), original.length - at)
      return patch(at, Buffer.alloc(n), `${n} zero bytes`)
    }
    default: {
      const cut = rand() < 0.5 ? at : Math.floor(rand() * original.length)
      return {
        describe: `truncated to ${cut} bytes (${region.name})`,
        apply: (fd) => ftruncateSync(fd, cut),
        restore: (fd) => writeSync(fd, original, cut, original.length - cut, cut),
      }
    }
  }
}

/** Everything a command does with a binary before compiling a probe. */
function exercise(path: string): void {
  const b = GoBinary.open(path)
  try {
    void b.buildInfo
    void b.buildIds
    const fns = b.functions
    if (fns.size > 0) fns.containing(fns.functions[0]!.entry)
    void b.abi
  } finally {
    b.close()
  }
}

const scratchRoot = existsSync('/dev/shm') ? '/dev/shm' : tmpdir()
const scratch = mkdtempSync(join(scratchRoot, 'goprobe-fuzz-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** Targets and how many cases each gets: at least 10,000 in all. */
async function targets(): Promise<{ label: string; path: string; cases: number; stripSections?: boolean }[]> {
  const tcs = await toolchains()
  const newest = tcs.find((t) => t.id.startsWith('go1.26')) ?? tcs[0]!
  const go119 = tcs.find((t) => t.id.startsWith('go1.19'))
  const list = [
    { label: `stackgrow ${newest.id} stripped`, path: (await buildFixture('stackgrow', newest, 'stripped')).path, cases: 3500 },
    { label: `stackgrow ${newest.id} stripped, no section headers`, path: (await buildFixture('stackgrow', newest, 'stripped')).path, cases: 2500, stripSections: true },
    { label: `stackgrow ${(go119 ?? newest).id} pie`, path: (await buildFixture('stackgrow', go119 ?? newest, 'pie')).path, cases: 3000 },
  ]
  const esbuild = await esbuildBinary()
  if (esbuild) list.push({ label: 'esbuild go1.16 stripped', path: esbuild, cases: 1000 })
  else {
    console.warn('fuzz-binary: esbuild not available, its 1000 cases go to the first target')
    list[0]!.cases += 1000
  }
  return list
}

describe('mutation fuzzing of Go binaries', async () => {
  const list = await targets()
  const histogram = new Map<string, number>()
  let total = 0

  afterAll(() => {
    console.log(`fuzz-binary: ${total} cases, seed ${seed}; outcomes: ${[...histogram].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`)
  })

  it.each(list.map((t, i) => [t.label, t, i] as const))('%s: every failure is a GoprobeError', (_label, target, index) => {
    const rand = prng(seed + index * 7919)
    let original = readFileSync(target.path)
    const regions = interestingRegions(target.path)
    if (target.stripSections) {
      original = Buffer.from(original)
      // No section header table: everything must be found through the segments.
      original.writeBigUInt64LE(0n, 40)
      for (const field of [58, 60, 62]) original.writeUInt16LE(0, field)
    }
    const path = join(scratch, `target-${index}`)
    writeFileSync(path, original)
    exercise(path) // the pristine file must work, or the fuzzing below means nothing
    const bugs: string[] = []
    const fd = openSync(path, 'r+')
    try {
      for (let i = 0; i < target.cases; i++) {
        // One to three mutations per case: single faults are caught early, combined ones get further.
        const applied = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => mutations(original, regions, rand))
        for (const m of applied) m.apply(fd)
        const m = { describe: applied.map((x) => x.describe).join('; ') }
        const started = performance.now()
        let outcome = 'ok'
        try {
          exercise(path)
        } catch (e) {
          if (e instanceof GoprobeError) outcome = e.name
          else bugs.push(`case ${i} (${m.describe}): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
          if (!(e instanceof GoprobeError)) outcome = `BUG ${(e as Error)?.name}`
        }
        const ms = performance.now() - started
        if (ms > HANG_MS) bugs.push(`case ${i} (${m.describe}) took ${ms.toFixed(0)} ms`)
        histogram.set(outcome, (histogram.get(outcome) ?? 0) + 1)
        total++
        for (const undo of [...applied].reverse()) undo.restore(fd)
      }
    } finally {
      closeSync(fd)
    }
    expect(bugs.slice(0, 5)).toEqual([])
  })

  it('ran at least 10,000 cases', () => {
    expect(total).toBeGreaterThanOrEqual(10_000)
  })
})
