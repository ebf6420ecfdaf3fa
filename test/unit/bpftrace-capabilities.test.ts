/**
 * Capability detection: parsing `--version`/`--info` of the installed bpftrace (checked against
 * the Debian package database, /sys/kernel/btf and ldd) and of later releases (texts rebuilt
 * from bpftrace's src/build_info.cpp and src/bpffeature.cpp at each tag), the probe forms and
 * flags derived from them, and the one fact --info gets wrong on 0.17, settled by attaching.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  capabilitiesFrom,
  compileOnlyArgs,
  confirmSymbolOffsetAttach,
  detectCapabilities,
  parseInfoOutput,
  parseVersionOutput,
  symbolEntryIsExact,
  type BpftraceCapabilities,
} from '../../src/bpftrace/capabilities.ts'
import { parseVersion } from '../../src/bpftrace/version.ts'
import { UsageError } from '../../src/errors.ts'
import { describeE2E, itE2E, offsetCapableBpftrace, stockBpftrace, stockMember, unsafeRebuildMember } from '../support/bpftrace.ts'
import { buildFixture, toolchains } from '../support/fixtures.ts'
import { goToolNm, objdumpInstructions } from '../support/oracles.ts'
import { compileOnly } from './bpftrace-oracle.ts'

const run = promisify(execFile)

/** bpftrace 0.22+'s `tabulate()`: two `key: value` cells a line, the first padded to 35 columns. */
function tabulate(cells: [string, string][]): string {
  let out = ''
  for (let i = 0; i < cells.length; i += 2) {
    const [k1, v1] = cells[i]!
    const second = cells[i + 1]
    out += `  ${k1}: ${v1}`.padEnd(35) + (second ? `${second[0]}: ${second[1]}` : '') + '\n'
  }
  return out
}

const SYSTEM = 'System\n  OS: Linux 6.1.0 #1 SMP\n  Arch: x86_64\n\n'

/** --info texts as each release's source prints them, with chosen values. */
const INFO = {
  '0.21.2': SYSTEM +
    'Build\n  version: v0.21.2\n  LLVM: 17.0.6\n  unsafe probe: yes\n  bfd: no\n  liblldb (DWARF support): yes\n  libsystemd (systemd notify support): no\n\n' +
    'Kernel features\n  Instruction limit: 1000000\n  Loop support: yes\n  btf: yes\n  module btf: yes\n  map batch: yes\n' +
    '  uprobe refcount (depends on Build:bcc bpf_attach_uprobe refcount): yes\n',
  '0.22.1': SYSTEM +
    'Build\n  version: v0.22.1\n  LLVM: 18.1.8\n  bfd: yes\n  liblldb (DWARF support): yes\n  libsystemd (systemd notify support): no\n\n' +
    'Kernel features\n' +
    tabulate([['Instruction limit', '1000000'], ['Loop support', 'yes'], ['btf', 'no'], ['module btf', 'yes'], ['Kernel DWARF', 'no'], ['map batch', 'yes'], ['uprobe refcount', 'yes']]),
  '0.24.0': SYSTEM +
    'Build\n  version: v0.24.0\n  LLVM: 19.1.7\n  bfd: no\n  libdw (DWARF support): yes\n  libsystemd (systemd notify support): no\n  blazesym (advanced symbolization): no\n\n' +
    'Kernel features\n' + tabulate([['Instruction limit', '1000000'], ['btf', 'yes'], ['module btf', 'yes'], ['map batch', 'yes']]),
  '0.26.1': SYSTEM +
    'Build\n  version: v0.26.1\n  LLVM: 20.1.8\n  bfd: no\n  libdw (DWARF support): yes\n  libsystemd (systemd notify support): no\n' +
    '  blazesym (advanced symbolization): yes\n  dwunwind (DWARF stack unwinding): no\n\n' +
    'Kernel helpers\n' + tabulate([['dpath', 'yes'], ['get_tai_ns', 'yes'], ['get_func_ip', 'yes'], ['lookup_percpu_elem', 'yes']]) + '\n' +
    'Kernel features\n' + tabulate([['Instruction limit', '1000000'], ['btf', 'yes'], ['module btf', 'no']]),
}

const caps = (version: keyof typeof INFO) => capabilitiesFrom('bpftrace', `bpftrace v${version}\n`, INFO[version])

describe('parsing --version and --info', () => {
  it('reads release, git-describe and release-candidate versions', () => {
    expect(parseVersionOutput('bpftrace v0.17.0\n')).toEqual({ major: 0, minor: 17, patch: 0 })
    expect(parseVersionOutput('bpftrace v0.21.0-77-g1234abc')).toEqual({ major: 0, minor: 21, patch: 0 })
    expect(parseVersionOutput('bpftrace v0.24-rc0')).toEqual({ major: 0, minor: 24, patch: 0 })
    expect(() => parseVersionOutput('command not found')).toThrow(UsageError)
  })

  it('reads one-per-line and tabulated facts, and keeps "btf" apart from "module btf"', () => {
    const info = parseInfoOutput(INFO['0.22.1'])
    expect(info.get('btf')).toBe('no')
    expect(info.get('module btf')).toBe('yes')
    expect(info.get('Loop support')).toBe('yes')
    expect(info.get('version')).toBe('v0.22.1')
    expect(parseInfoOutput(INFO['0.21.2']).get('uprobe refcount (depends on Build:bcc bpf_attach_uprobe refcount)')).toBe('yes')
  })

  it('derives each release’s facts', () => {
    expect(caps('0.21.2')).toMatchObject({ bfd: false, unsafeProbeBuild: true, btf: true, liblldb: true })
    expect(caps('0.22.1')).toMatchObject({ bfd: true, unsafeProbeBuild: undefined, btf: false, liblldb: true })
    expect(caps('0.24.0')).toMatchObject({ bfd: false, unsafeProbeBuild: undefined, btf: true, liblldb: false })
    expect(caps('0.26.1')).toMatchObject({ bfd: false, unsafeProbeBuild: undefined, btf: true, liblldb: false })
  })
})

describe('derived probe forms and flags', () => {
  const stock017: BpftraceCapabilities = { path: 'bpftrace', version: parseVersion('0.17.0'), bfd: false, unsafeProbeBuild: undefined, btf: true, liblldb: false }

  it('knows that 0.21-0.23 with liblldb move symbol probes past the prologue', () => {
    expect(symbolEntryIsExact(stock017)).toBe(true)
    expect(symbolEntryIsExact(caps('0.21.2'))).toBe(false)
    expect(symbolEntryIsExact(caps('0.22.1'))).toBe(false)
    expect(symbolEntryIsExact(caps('0.24.0'))).toBe(true)
  })

  it('names the compile-only flag of each release', () => {
    expect(compileOnlyArgs(parseVersion('0.17.0'))).toEqual(['--test', 'codegen'])
    expect(compileOnlyArgs(parseVersion('0.23.5'))).toEqual(['--test', 'codegen'])
    expect(compileOnlyArgs(parseVersion('0.24.2'))).toEqual(['--test-mode', 'codegen'])
    expect(compileOnlyArgs(parseVersion('0.25.0'))).toEqual(['--mode', 'codegen'])
  })

  it('reports a missing bpftrace as a usage error', async () => {
    await expect(detectCapabilities('/nonexistent/bpftrace')).rejects.toThrow(/cannot run \/nonexistent\/bpftrace --version: not found/)
  })
})

describeE2E('the installed bpftrace', () => {
  const stock = stockBpftrace()!

  it('is described as Debian’s package, ldd and the kernel say', async () => {
    const found = await detectCapabilities(stock.path)
    const { stdout: pkg } = await run('dpkg-query', ['-W', '-f', '${Version}', 'bpftrace'])
    expect(found.version).toEqual(parseVersion(pkg))
    expect(found.btf).toBe(existsSync('/sys/kernel/btf/vmlinux'))
    const { stdout: libs } = await run('ldd', [stock.path])
    expect(found.bfd).toBe(/libbfd|libopcodes/.test(libs))
    expect(found.liblldb).toBe(/liblldb/.test(libs))
    // 0.17's "unsafe uprobe" line tests a macro its build never defines: it cannot tell.
    expect(found.unsafeProbeBuild).toBeUndefined()
  })

  it('stops after compiling with its compile-only flag: a good program passes, a bad one fails', async () => {
    const env = {}
    const good = await compileOnly(stock, { text: 'BEGIN { printf("x\\n"); exit(); }\n', requirements: { unsafe: false, symbolOffsetProbes: false, fileOffsetProbes: false, kernelBtf: false, env } })
    expect(good.ok, good.stderr).toBe(true)
    expect(good.stdout).toBe('') // BEGIN did not run
    const bad = await compileOnly(stock, { text: 'BEGIN { nosuchfunction(); }\n', requirements: { unsafe: false, symbolOffsetProbes: false, fileOffsetProbes: false, kernelBtf: false, env } })
    expect(bad.ok).toBe(false)
  })

  /** main.Mixed + its second instruction (go tool nm, objdump): an offset inside the function. */
  async function midFunctionTarget() {
    const [tc] = await toolchains()
    const build = await buildFixture('basic', tc!, 'default')
    const sym = (await goToolNm(build)).find((s) => s.name === 'main.Mixed')!
    const [, second] = await objdumpInstructions(build.path, sym.addr, sym.addr + sym.size)
    return { binary: build.path, symbol: 'main.Mixed', offset: BigInt(second!.addr - sym.addr) }
  }

  it('settles symbol+offset support by attaching: stock 0.17 refuses it', async () => {
    expect(await confirmSymbolOffsetAttach(await detectCapabilities(stock.path), await midFunctionTarget())).toBe(false)
  })

  // The shared helper fails (in CI or as root) instead of skipping when the rebuild is missing.
  itE2E('settles symbol+offset support by attaching: the ALLOW_UNSAFE_PROBE rebuild accepts it', async () => {
    const rebuilt = offsetCapableBpftrace()!.path
    const rebuiltCaps = await detectCapabilities(rebuilt)
    expect(rebuiltCaps.unsafeProbeBuild).toBeUndefined() // its --info says "unsafe uprobe: no" too
    expect(await confirmSymbolOffsetAttach(rebuiltCaps, await midFunctionTarget())).toBe(true)
  }, unsafeRebuildMember())
}, stockMember())
