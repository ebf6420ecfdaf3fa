import { BinaryFormatError, UnsupportedError } from '../errors.ts'
import type { ElfFile } from './elf.ts'
import type { GoFunction } from './functions.ts'
import type { GoVersion } from './go-version.ts'

/** Which calling convention compiled Go code uses, and what showed it. */
export interface AbiVerdict {
  readonly abi: 'register' | 'stack'
  readonly evidence: string
}

/**
 * Decides the ABI from the toolchain version and GOEXPERIMENTs when they settle it,
 * else from the stack-check prologues of compiled functions. (The DWARF producer
 * string would add nothing here: it states the same experiments the version carries,
 * and reading it means inflating .debug_info.)
 */
export function detectAbi(elf: ElfFile, version: GoVersion | undefined, experiments: readonly string[], functions: readonly GoFunction[]): AbiVerdict {
  const fromVersion = version && abiFromVersion(version, experiments)
  if (fromVersion) return fromVersion
  const fromCode = abiFromPrologues(elf, functions)
  if (fromCode) return fromCode
  throw new UnsupportedError(
    `cannot tell the calling convention of ${elf.path}: ${version ? `version ${version.raw} does not settle it` : 'the Go version is unknown'} and no function starts with a recognisable stack check`,
  )
}

/**
 * amd64 regabi history: experiment in 1.16 (off by default), default on Linux in
 * 1.17 (off with GOEXPERIMENT=noregabi/noregabiargs), always on from 1.18.
 * Undefined when the version leaves it open (1.16 built with a regabi experiment).
 */
export function abiFromVersion(v: GoVersion, experiments: readonly string[]): AbiVerdict | undefined {
  const label = `Go version ${v.raw}`
  if (v.major > 1 || v.minor >= 18) return { abi: 'register', evidence: `${label} (register ABI is always on for amd64 from Go 1.18)` }
  const regabiExperiments = experiments.filter((e) => /regabi/.test(e))
  if (v.minor === 17) {
    const off = regabiExperiments.find((e) => e === 'noregabi' || e === 'noregabiargs')
    return off
      ? { abi: 'stack', evidence: `${label} with GOEXPERIMENT ${off}` }
      : { abi: 'register', evidence: `${label} (register ABI is the Go 1.17 default on linux/amd64)` }
  }
  if (regabiExperiments.length > 0) return undefined
  return { abi: 'stack', evidence: `${label} (the register ABI arrived in Go 1.17)` }
}

/** `cmp rsp, [r14+0x10]` / `cmp r12, [r14+0x10]`: stack check against g in R14 (register ABI). */
const R14_CHECKS = [Uint8Array.of(0x49, 0x3b, 0x66, 0x10), Uint8Array.of(0x4d, 0x3b, 0x66, 0x10)]
/** `mov rcx, fs:[-8]`: g loaded from TLS for the stack check (stack ABI). */
const TLS_LOAD = Uint8Array.of(0x64, 0x48, 0x8b, 0x0c, 0x25, 0xf8, 0xff, 0xff, 0xff)
/** The check sits in the first instructions; a large frame puts a `lea`/`sub` before it. */
const PROLOGUE_WINDOW = 24
const SAMPLE = 64

/**
 * Votes over the prologues of up to 64 compiled (non-assembly) functions, main's first:
 * ABI0 assembly loads g from TLS in every version, so only compiled code counts.
 */
export function abiFromPrologues(elf: ElfFile, functions: readonly GoFunction[]): AbiVerdict | undefined {
  const compiled = functions.filter((f) => f.pclntabName !== undefined && !f.name.endsWith('.abi0') && f.end - f.entry >= PROLOGUE_WINDOW)
  const sample = [...compiled.filter((f) => f.name.startsWith('main.')), ...compiled.filter((f) => !f.name.startsWith('main.'))].slice(0, SAMPLE)
  let register = 0
  let stack = 0
  for (const f of sample) {
    let bytes: Uint8Array
    try {
      bytes = elf.readVaddr(f.entry, PROLOGUE_WINDOW)
    } catch (e) {
      if (e instanceof BinaryFormatError) continue
      throw e
    }
    if (R14_CHECKS.some((p) => contains(bytes, p))) register++
    else if (contains(bytes, TLS_LOAD)) stack++
  }
  if (register === stack) return undefined
  const abi = register > stack ? 'register' : 'stack'
  return { abi, evidence: `prologues of ${sample.length} functions: ${register} check the stack through R14, ${stack} load g from TLS` }
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}
