/**
 * Which bpftrace goprobe uses and what it takes: the rule of src/bpftrace/offset-support.ts on
 * the --version/--info texts of each release's format; the attach that settles 0.17, remembered
 * per executable, tried by fake bpftraces (shell scripts that answer as a stock or an
 * offset-capable 0.17 does) and by the real ones; the one-line choice and doctor's listing
 * through the real goprobe command.
 */
import { execFile } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { capabilitiesFrom, detectCapabilities } from '../../src/bpftrace/capabilities.ts'
import { rankBpftraces, resolveCommand, type FoundBpftrace } from '../../src/bpftrace/discovery.ts'
import { offsetSupportFromBuild, settleOffsetSupport, type OffsetSupport } from '../../src/bpftrace/offset-support.ts'
import { parseVersion } from '../../src/bpftrace/version.ts'
import { offsetWitness } from '../../src/cli/bpftrace-choice.ts'
import { Target } from '../../src/target.ts'
import { describeE2E, offsetCapableBpftrace, stockBpftrace, unsafeRebuildMember } from '../support/bpftrace.ts'
import { buildFixture, REPO_ROOT, toolchains } from '../support/fixtures.ts'

const exec = promisify(execFile)

/** 0.17-0.21: one `key: value` a line (0.17 writes --info to stderr). */
const oneALine = (version: string, build: string) =>
  `System\n  OS: Linux 6.1.0 #1 SMP\n  Arch: x86_64\n\nBuild\n  version: v${version}\n  LLVM: 14.0.6\n${build}\nKernel features\n  Instruction limit: 1000000\n  btf: yes\n`
/** 0.22 on: the kernel sections tabulated two cells a line. */
const tabulated = (version: string, build: string) =>
  `System\n  OS: Linux 6.1.0 #1 SMP\n  Arch: x86_64\n\nBuild\n  version: v${version}\n  LLVM: 19.1.7\n${build}\nKernel features\n  Instruction limit: 1000000       btf: yes\n  module btf: yes                  map batch: yes\n`

const RELEASES = {
  '0.17 stock': ['0.17.0', oneALine('0.17.0', '  unsafe uprobe: no\n  bfd: no\n  libdw (DWARF support): yes\n')],
  '0.17 with bfd': ['0.17.1', oneALine('0.17.1', '  unsafe uprobe: no\n  bfd: yes\n  libdw (DWARF support): yes\n')],
  '0.20 stock': ['0.20.4', oneALine('0.20.4', '  unsafe uprobe: no\n  bfd: no\n  libdw (DWARF support): yes\n')],
  '0.20 ALLOW_UNSAFE_PROBE': ['0.20.4', oneALine('0.20.4', '  unsafe uprobe: yes\n  bfd: no\n  libdw (DWARF support): yes\n')],
  '0.22 without bfd': ['0.22.1', tabulated('0.22.1', '  bfd: no\n  liblldb (DWARF support): yes\n')],
  '0.23 (Debian 13)': ['0.23.2', tabulated('0.23.2', '  bfd: yes\n  liblldb (DWARF support): no\n')],
  '0.27 without bfd': ['0.27.0', tabulated('0.27.0', '  bfd: no\n  libdw (DWARF support): yes\n  blazesym (advanced symbolization): yes\n')],
} as const
const capsOf = (name: keyof typeof RELEASES) => capabilitiesFrom('bpftrace', `bpftrace v${RELEASES[name][0]}\n`, RELEASES[name][1])

describe('the rule: what --version and --info tell', () => {
  it('settles every release but 0.17 without bfd, where only an attach can tell', () => {
    expect(offsetSupportFromBuild(capsOf('0.17 stock'))).toBeUndefined()
    expect(offsetSupportFromBuild(capsOf('0.17 with bfd'))).toBe(true)
    expect(offsetSupportFromBuild(capsOf('0.20 stock'))).toBe(false)
    expect(offsetSupportFromBuild(capsOf('0.20 ALLOW_UNSAFE_PROBE'))).toBe(true)
    expect(offsetSupportFromBuild(capsOf('0.22 without bfd'))).toBe(true)
    expect(offsetSupportFromBuild(capsOf('0.23 (Debian 13)'))).toBe(true)
    expect(offsetSupportFromBuild(capsOf('0.27 without bfd'))).toBe(true)
  })
})

const support = (accepted: boolean | undefined): OffsetSupport =>
  accepted === undefined ? { accepted, how: 'unknown', detail: '' } : { accepted, how: 'build', detail: '' }
const found = (path: string, version: string, accepted: boolean | undefined): FoundBpftrace => ({
  path,
  origin: 'setup',
  caps: { path, version: parseVersion(version), bfd: false, unsafeProbeBuild: undefined, btf: true, liblldb: false },
  offsets: support(accepted),
})

describe('ranking', () => {
  const stock = found('/usr/bin/bpftrace', '0.17.0', false)
  const rebuilt = found('/c/bpftrace-unsafe/bpftrace', '0.17.0', true)
  const untried = found('/c/bpftrace-x/bpftrace', '0.21.0', undefined)
  const sid = found('/c/bpftrace-sid/bpftrace', '0.24.1', true)

  it('puts what takes probes inside functions first where the binary needs it, then the newest', () => {
    expect(rankBpftraces([stock, untried, rebuilt], true).map((b) => b.path)).toEqual([rebuilt.path, untried.path, stock.path])
    expect(rankBpftraces([stock, rebuilt, sid], true).map((b) => b.path)).toEqual([sid.path, rebuilt.path, stock.path])
  })

  it('where file offsets do (stripped, small non-PIE): the newest, then the capable one, then PATH order', () => {
    expect(rankBpftraces([stock, rebuilt, untried], false).map((b) => b.path)).toEqual([untried.path, rebuilt.path, stock.path])
    const twin = found('/opt/bpftrace', '0.17.0', false)
    expect(rankBpftraces([twin, stock], false).map((b) => b.path)).toEqual([twin.path, stock.path])
  })
})

/**
 * A fake 0.17 bpftrace: answers --version and --info as 0.17 does (stock text, whatever the
 * build), and an attach with --unsafe as its build would, counting attaches in `log`.
 */
function fakeBpftrace(path: string, log: string, acceptsOffsets: boolean, tag = ''): void {
  mkdirSync(join(path, '..'), { recursive: true })
  const refuse = `echo "ERROR: Can't check if uprobe is in proper place (compiled without (k|u)probe offset support): x" >&2; exit 1`
  writeFileSync(
    path,
    `#!/bin/sh\n# ${tag}\ncase "$1" in\n` +
      `--version) echo "bpftrace v0.17.0" ;;\n` +
      `--info) cat >&2 <<'INFO'\n${RELEASES['0.17 stock'][1]}INFO\n;;\n` +
      `--unsafe) echo "$0 $*" >> '${log}'; ${acceptsOffsets ? 'exit 0' : refuse} ;;\n` +
      `*) exit 64 ;;\nesac\n`,
  )
  chmodSync(path, 0o755)
}

const attachesIn = (log: string): string[] => {
  try {
    return readFileSync(log, 'utf8').trim().split('\n').filter(Boolean)
  } catch {
    return []
  }
}

const basicDefault = async () => buildFixture('basic', (await toolchains())[0]!, 'default')

describe('the attach that settles 0.17, remembered per executable', () => {
  it('attaches once, then remembers; another build (other bytes) is tried again; concurrent goprobes agree', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'goprobe-offsets-'))
    const cache = join(dir, 'cache')
    const log = join(dir, 'attaches.log')
    const bpftrace = join(dir, 'bin', 'bpftrace')
    fakeBpftrace(bpftrace, log, true)
    const caps = await detectCapabilities(bpftrace)
    let witnessAsked = 0
    const witness = async () => {
      witnessAsked++
      return { binary: '/bin/true', symbol: 'main.main', offset: 4n }
    }
    const settle = () => settleOffsetSupport(caps, { cacheDir: cache, executable: bpftrace, witness })

    const results = await Promise.all([settle(), settle(), settle(), settle()])
    expect(results.map((r) => r.accepted)).toEqual([true, true, true, true])
    const afterFirst = attachesIn(log).length
    expect(afterFirst).toBeGreaterThanOrEqual(1)
    expect(attachesIn(log)[0]).toContain('uprobe:"/bin/true":"main.main"+0x4 ')
    // One answer on disk, complete, and no temporary files left by the concurrent writers.
    expect(readdirSync(join(cache, 'bpftrace-offset-support'))).toHaveLength(1)

    const again = await settle()
    expect(again).toMatchObject({ accepted: true, how: 'remembered' })
    expect(attachesIn(log)).toHaveLength(afterFirst)
    expect(witnessAsked).toBe(afterFirst)

    // Same path, other bytes (a rebuild without the option): not the same bpftrace any more.
    fakeBpftrace(bpftrace, log, false, 'rebuilt')
    expect(await settle()).toMatchObject({ accepted: false, how: 'attached' })
    expect(attachesIn(log)).toHaveLength(afterFirst + 1)
  })

  it('says it cannot tell, and remembers nothing, when there is nothing to attach to', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'goprobe-offsets-'))
    const bpftrace = join(dir, 'bin', 'bpftrace')
    fakeBpftrace(bpftrace, join(dir, 'log'), true)
    const r = await settleOffsetSupport(await detectCapabilities(bpftrace), { cacheDir: join(dir, 'cache'), executable: bpftrace, witness: async () => undefined })
    expect(r.accepted).toBeUndefined()
    expect(attachesIn(join(dir, 'log'))).toEqual([])
  })
})

async function goprobe(args: string[], env: Record<string, string>): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await exec('node', [join(REPO_ROOT, 'bin', 'goprobe.js'), ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 })
    return { stdout, stderr, code: 0 }
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number }
    return { stdout: err.stdout, stderr: err.stderr, code: err.code }
  }
}

/** A machine with a stock 0.17 on PATH and the setup's offset-capable one in the cache, both fakes. */
function fakeMachine() {
  const dir = mkdtempSync(join(tmpdir(), 'goprobe-machine-'))
  const cache = join(dir, 'cache')
  const log = join(dir, 'attaches.log')
  fakeBpftrace(join(dir, 'bin', 'bpftrace'), log, false, 'stock')
  fakeBpftrace(join(cache, 'bpftrace-unsafe', 'bpftrace'), log, true, 'rebuilt')
  const env: Record<string, string> = { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, GOPROBE_CACHE: cache }
  return { dir, cache, log, env, stock: join(dir, 'bin', 'bpftrace'), rebuilt: join(cache, 'bpftrace-unsafe', 'bpftrace') }
}

const PROBE = join(REPO_ROOT, 'probes', 'latency.ts')

describe('the choice, through the goprobe command', () => {
  it('compile picks the offset-capable build over PATH, says so in one line, and prints for it', async () => {
    const m = fakeMachine()
    const b = await basicDefault()
    const r = await goprobe(['compile', PROBE, b.path, 'symbol=main.Classify'], { ...m.env, GOPROBE_BPFTRACE: '' })
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('goprobe: note:'))
    expect(lines).toEqual([`goprobe: bpftrace 0.17.0 at ${m.rebuilt} (takes probes inside functions; chosen over ${m.stock} 0.17.0, which does not)`])
    expect(r.stdout).toMatch(/^\/\/ bpftrace: bpftrace 0\.17\.0$/m)
    expect(r.stdout).toMatch(/^\/\/ run: {6}goprobe run latency\.bt \[-p PID \| -c CMD\]$/m)
    expect(r.stdout).toMatch(new RegExp(`^// needs: .*${m.rebuilt} --unsafe$`, 'm'))
    // Both were tried by attaching inside main.main of the probed binary.
    expect(attachesIn(m.log).map((l) => l.split(' ')[0]).sort()).toEqual([m.stock, m.rebuilt].sort())
    expect(attachesIn(m.log).every((l) => l.includes(`uprobe:"${b.path}":"main.main"+0x`))).toBe(true)
  })

  it('--bpftrace and $GOPROBE_BPFTRACE name the one to use, in that order', async () => {
    const m = fakeMachine()
    const b = await basicDefault()
    const byEnv = await goprobe(['compile', PROBE, b.path, 'symbol=main.Classify'], { ...m.env, GOPROBE_BPFTRACE: m.stock })
    expect(byEnv.stderr).toContain(`goprobe: bpftrace 0.17.0 at ${m.stock} (named by $GOPROBE_BPFTRACE; takes no probes inside functions)`)
    const byOption = await goprobe(['compile', PROBE, b.path, 'symbol=main.Classify', '--bpftrace', m.rebuilt], { ...m.env, GOPROBE_BPFTRACE: m.stock })
    expect(byOption.stderr).toContain(`goprobe: bpftrace 0.17.0 at ${m.rebuilt} (named by --bpftrace; takes probes inside functions)`)
    const missing = await goprobe(['compile', PROBE, b.path, 'symbol=main.Classify', '--bpftrace', join(m.dir, 'nope')], m.env)
    expect(missing.code).toBe(2)
    expect(missing.stderr.trim()).toBe(`goprobe: the bpftrace named by --bpftrace does not run: ${join(m.dir, 'nope')} is not an executable file`)
  })

  it('with no bpftrace installed, compile prints for every release from 0.17 and says so in the header', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'goprobe-empty-'))
    symlinkSync(process.execPath, join(dir, 'node')) // PATH holds node and nothing else
    const b = await basicDefault()
    const r = await goprobe(['compile', PROBE, b.path, 'symbol=main.Classify'], { PATH: dir, GOPROBE_CACHE: join(dir, 'cache'), GOPROBE_BPFTRACE: '' })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^\/\/ bpftrace: bpftrace 0\.17\.0\.\.latest \(no bpftrace installed here: printed for every release from 0\.17; --bpftrace-version V targets one\)$/m)
  })

  it('doctor lists every bpftrace with what it takes and names the one it uses', async () => {
    const m = fakeMachine()
    const r = await goprobe(['doctor', (await basicDefault()).path], { ...m.env, GOPROBE_BPFTRACE: '' })
    const lines = r.stdout.split('\n')
    expect(lines.filter((l) => / bpftrace {13}/.test(l))).toEqual([
      expect.stringMatching(new RegExp(`^ok {4}bpftrace {13}0\\.17\\.0 at ${m.rebuilt} \\(setup\\): takes probes inside functions \\(attached to `)),
      expect.stringMatching(new RegExp(`^ok {4}bpftrace {13}0\\.17\\.0 at ${m.stock} \\(PATH\\): takes no probes inside functions \\(attached to `)),
    ])
    expect(lines).toContain(`ok    goprobe uses         bpftrace 0.17.0 at ${m.rebuilt} (takes probes inside functions; chosen over ${m.stock} 0.17.0, which does not)`)
  })
})

/**
 * readelf and nm's answer: is there a symbol whose position, as bpftrace compares a bare number
 * (the address in an executable, the file offset in a PIE), lies within the code's file offsets?
 */
async function offsetsCollideByReadelf(path: string): Promise<boolean> {
  const { stdout: header } = await exec('readelf', ['-hW', path])
  const pie = /Type:\s+DYN/.test(header)
  const { stdout: sections } = await exec('readelf', ['-SW', path])
  const text = /\s\.text\s+PROGBITS\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(sections)
  if (!text) throw new Error(`${path}: no .text in readelf -S`)
  const [addr, off, size] = [1, 2, 3].map((i) => parseInt(text[i]!, 16)) as [number, number, number]
  let symbols = ''
  try {
    symbols = (await exec('nm', ['-n', '--defined-only', path], { maxBuffer: 256 << 20 })).stdout
  } catch {
    return false // nm: no symbols
  }
  return symbols.split('\n').some((l) => {
    const m = /^([0-9a-f]+) [tTdDbBrR] /.exec(l)
    if (!m) return false
    const at = pie ? parseInt(m[1]!, 16) - addr + off : parseInt(m[1]!, 16)
    return at >= off && at < off + size
  })
}

describe('which binaries need a bpftrace that takes probes inside functions', () => {
  it('agrees with readelf and nm on default, PIE and stripped builds and on the go command (non-PIE, more than 4 MB of code)', async () => {
    const go = resolveCommand('go')
    expect(go, 'go on PATH').toBeDefined()
    const tc = (await toolchains())[0]!
    const paths = [...(await Promise.all((['default', 'pie', 'stripped'] as const).map((mode) => buildFixture('basic', tc, mode)))).map((b) => b.path), realpathSync(go!)]
    const seen: boolean[] = []
    for (const path of paths) {
      const target = Target.open(path)
      try {
        const expected = await offsetsCollideByReadelf(path)
        expect(target.fileOffsetsMayHitSymbols, path).toBe(expected)
        seen.push(expected)
      } finally {
        target.close()
      }
    }
    // Both answers occur, and the go command is the non-PIE case that collides.
    expect(seen).toEqual([false, true, false, true])
  })

  it('doctor on such a binary: warns when the bpftrace takes no probes inside functions, instead of calling raw offsets fine', async () => {
    const m = fakeMachine()
    const go = realpathSync(resolveCommand('go')!)
    const stock = await goprobe(['doctor', go, '--bpftrace', m.stock], m.env)
    expect(stock.stdout).toMatch(new RegExp(`^warn  inside functions +${go} has symbols and part of its code lies at file offsets that are also symbol addresses, and the bpftrace goprobe uses takes no probes inside functions`, 'm'))
    const rebuilt = await goprobe(['doctor', go, '--bpftrace', m.rebuilt], m.env)
    expect(rebuilt.stdout).toMatch(new RegExp(`^ok    inside functions +return probes and probes after the prologue attach in ${go}$`, 'm'))
  })
})

describeE2E('the real bpftraces, settled by attaching', () => {
  /** A fresh cache each time: the answer must come from the attach, not from what an earlier run remembered. */
  async function settleFresh(path: string): Promise<OffsetSupport> {
    const target = Target.open((await basicDefault()).path)
    try {
      const cacheDir = mkdtempSync(join(tmpdir(), 'goprobe-offsets-'))
      return await settleOffsetSupport(await detectCapabilities(path), { cacheDir, executable: path, witness: offsetWitness(target) })
    } finally {
      target.close()
    }
  }

  it('the ALLOW_UNSAFE_PROBE rebuild of 0.17 takes probes inside functions (its --info says "no")', async () => {
    expect(await settleFresh(offsetCapableBpftrace()!.path)).toMatchObject({ accepted: true, how: 'attached' })
  })

  it('stock 0.17 does not', async () => {
    expect(await settleFresh(stockBpftrace()!.path)).toMatchObject({ accepted: false, how: 'attached' })
  })
}, unsafeRebuildMember())
