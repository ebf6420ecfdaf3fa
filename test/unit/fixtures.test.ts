/**
 * The test harness itself: every fixture build exists, runs, is what it claims to be
 * (checked with `go version -m`, `readelf`, `go tool nm`, `objdump`), and has the
 * properties other tests rely on (several RETs, a leaf without a stack check, a
 * prologue that grows the stack on every call).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { describeE2E, offsetCapableBpftrace, runBpftrace, stockBpftrace, stockMember, unsafeRebuildMember } from '../support/bpftrace.ts'
import { type FixtureBuild, FIXTURES, allBuilds, buildLabel, esbuildBinary, goVersionAtLeast, toolchains } from '../support/fixtures.ts'
import { goToolNm, goVersionM, objdumpInstructions, objdumpRets } from '../support/oracles.ts'

const execFileAsync = promisify(execFile)

const tcs = await toolchains()
const builds = new Map<string, FixtureBuild[]>()
for (const fixture of FIXTURES) builds.set(fixture, await allBuilds(fixture))
const basicBuilds = builds.get('basic') ?? []
const stackgrowBuilds = builds.get('stackgrow') ?? []

/** Runs a fixture with GOPROBE_FIXTURE_LOG set and returns its stdout and log. */
async function runFixture(build: FixtureBuild, args: string[]): Promise<{ stdout: string; log: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'goprobe-fixture-'))
  try {
    const logFile = join(dir, 'log')
    const { stdout } = await execFileAsync(build.path, args, { env: { ...process.env, GOPROBE_FIXTURE_LOG: logFile } })
    return { stdout, log: await readFile(logFile, 'utf8') }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function readelf(args: string[], path: string): Promise<string> {
  return (await execFileAsync('readelf', [...args, path], { maxBuffer: 64 * 1024 * 1024 })).stdout
}

describe('toolchains', () => {
  it('lists the PATH go, each Go version once', async () => {
    const pathGo = (await execFileAsync('go', ['env', 'GOVERSION'], { env: { ...process.env, GOTOOLCHAIN: 'local' } })).stdout.trim()
    expect(tcs.map((t) => t.id)).toContain(pathGo)
    expect(new Set(tcs.map((t) => t.id)).size).toBe(tcs.length)
    for (const tc of tcs) expect(tc.id).toBe(`go${tc.version}`)
  })
})

describe.each(FIXTURES)('fixture %s', (fixture) => {
  const list = builds.get(fixture) ?? []
  it('is built with every toolchain in every mode', () => {
    expect(list.length).toBe(tcs.length * 3)
  })
  it.each(list.map((b) => [buildLabel(b), b] as const))('%s: go version -m names its toolchain and mode', async (_, b) => {
    const info = await goVersionM(b)
    expect(info.goVersion).toBe(b.toolchain.id)
    expect(info.path).toBe(`goprobe.test/${fixture}`)
    expect(info.settings.CGO_ENABLED).toBe('0')
    // go1.19 does not record -buildmode; go1.20.14 and later do (both checked with `go version -m`).
    const buildmode = goVersionAtLeast(b.toolchain, '1.20') ? (b.mode === 'pie' ? 'pie' : 'exe') : undefined
    expect(info.settings['-buildmode']).toBe(buildmode)
    if (b.mode === 'stripped') expect(info.settings['-ldflags']).toBe('-s -w')
    else expect(info.settings['-ldflags']).toBeUndefined()
  })
  it.each(list.map((b) => [buildLabel(b), b] as const))('%s: ELF type and symbol table match the mode', async (_, b) => {
    const type = /^\s*Type:\s+(\w+)/m.exec(await readelf(['-h'], b.path))?.[1]
    expect(type).toBe(b.mode === 'pie' ? 'DYN' : 'EXEC')
    const hasSymtab = /\s\.symtab\s/.test(await readelf(['-S', '-W'], b.path))
    expect(hasSymtab).toBe(b.mode !== 'stripped')
    const symbols = await goToolNm(b)
    if (b.mode === 'stripped') expect(symbols).toEqual([])
    else expect(symbols.find((s) => s.name === 'main.main')?.type).toBe('T')
  })
})

describe('basic', () => {
  it.each(basicBuilds.map((b) => [buildLabel(b), b] as const))('%s: run mode records every call, count times', async (_, b) => {
    const { stdout, log } = await runFixture(b, ['run', '2'])
    expect(stdout).toBe('')
    const lines = log.trimEnd().split('\n')
    expect(lines.filter((l) => l === 'Add 3 4 -> 7')).toHaveLength(2)
    expect(lines.filter((l) => l === 'Max[string] "pear" "apple" -> "pear"')).toHaveLength(2)
    expect(lines.filter((l) => l === '(*XT).M 1 -> 99')).toHaveLength(2)
  })
  it.each(basicBuilds.map((b) => [buildLabel(b), b] as const))('%s: layouts mode describes every listed type', async (_, b) => {
    const { stdout } = await execFileAsync(b.path, ['layouts'])
    const layouts = stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { name: string; size: number; fields?: { offset: number; size: number }[] })
    const names = layouts.map((l) => l.name)
    for (const want of ['main.Outer', 'main.ZeroTail', 'net/http.Request', 'crypto/tls.Conn', 'net.TCPAddr', 'os.File']) expect(names).toContain(want)
    for (const l of layouts) for (const f of l.fields ?? []) expect(f.offset + f.size).toBeLessThanOrEqual(l.size)
  })

  const defaultBuilds = basicBuilds.filter((b) => b.mode === 'default')
  it.each(defaultBuilds.map((b) => [buildLabel(b), b] as const))('%s: has the probe targets other tests rely on', async (_, b) => {
    // Go 1.27's linker marks content-hashed functions (closures such as main.MakeScaler.func1) local: `t`.
    const funcs = new Map((await goToolNm(b)).filter((s) => s.type === 'T' || s.type === 't').map((s) => [s.name, s]))
    for (const name of ['main.Add', 'main.(*Counter).Inc', 'main.Counter.Get', 'main.MakeScaler.func1', 'main.SumInts', 'main.Mixed', 'main.Fib', 'main.(*T).M', 'main.(*XT).M']) {
      expect(funcs.has(name), name).toBe(true)
    }
    // One instantiation per shape; go1.19 names them main.Max[go.shape.int_0], later toolchains main.Max[go.shape.int].
    expect([...funcs.keys()].filter((n) => n.startsWith('main.Max[go.shape.'))).toHaveLength(2)

    const classify = funcs.get('main.Classify')
    if (!classify) throw new Error('main.Classify missing')
    expect((await objdumpRets(b.path, classify.addr, classify.addr + classify.size)).length).toBeGreaterThanOrEqual(3)

    const leaf = funcs.get('main.Leaf')
    if (!leaf) throw new Error('main.Leaf missing')
    const leafCode = await objdumpInstructions(b.path, leaf.addr, leaf.addr + leaf.size)
    expect(leafCode.some((i) => i.operands.includes('(%r14)'))).toBe(false) // no stack-bound check against g
    expect(leafCode.some((i) => i.mnemonic === 'call')).toBe(false)
  })
})

describe('esbuild', () => {
  it('is a stripped go1.16 binary', async () => {
    const path = await esbuildBinary()
    if (!path) throw new Error('esbuild 0.8.57 could not be fetched (see the warning above)')
    expect((await goVersionM(path)).goVersion).toMatch(/^go1\.16(\.\d+)?$/)
    expect(await goToolNm(path)).toEqual([])
  })
})

describe('stackgrow', () => {
  it.each(stackgrowBuilds.map((b) => [buildLabel(b), b] as const))('%s: logs each call and the count', async (_, b) => {
    const { log } = await runFixture(b, ['3'])
    expect(log).toMatch(/^Grow 1 -> \d+\nGrow 2 -> \d+\nGrow 3 -> \d+\nGrow calls: 3\n$/)
  })
})

describeE2E('bpftrace harness', () => {
  const withSymbols = [...basicBuilds, ...stackgrowBuilds].filter((b) => b.mode !== 'stripped')

  it.each(stackgrowBuilds.filter((b) => b.mode !== 'stripped').map((b) => [buildLabel(b), b] as const))(
    '%s: an entry probe at the first byte of Grow fires twice per call (the stack grows in its prologue)',
    async (_, b) => {
      const bpftrace = stockBpftrace()
      if (!bpftrace) throw new Error('stock bpftrace unavailable')
      const run = await runBpftrace({
        bpftrace,
        program: `uprobe:${b.path}:main.Grow { @entries = count(); }\n`,
        command: [b.path, '4'],
      })
      expect(run.code).toBe(0)
      expect(run.commandStdout).toContain('Grow calls: 4')
      expect(run.stdout).toMatch(/@entries: 8\n/)
    },
  )

  it.each(withSymbols.filter((b) => b.fixture === 'basic').map((b) => [buildLabel(b), b] as const))(
    '%s: main.Add sees its arguments in RAX and RBX; the call record arrives separately',
    async (_, b) => {
      const bpftrace = stockBpftrace()
      if (!bpftrace) throw new Error('stock bpftrace unavailable')
      const run = await runBpftrace({
        bpftrace,
        program: `uprobe:${b.path}:main.Add { printf("Add %d %d\\n", reg("ax"), reg("bx")); }\n`,
        command: [b.path, 'run', '2'],
      })
      expect(run.code).toBe(0)
      expect(run.stdout.split('\n').filter((l) => l === 'Add 3 4')).toHaveLength(2)
      expect(run.commandStdout?.split('\n').filter((l) => l === 'Add 3 4 -> 7')).toHaveLength(2)
    },
  )

  it('a timeout stops bpftrace and the traced command', async () => {
    const bpftrace = stockBpftrace()
    if (!bpftrace) throw new Error('stock bpftrace unavailable')
    const started = Date.now()
    const run = await runBpftrace({ bpftrace, program: 'BEGIN { printf("started\\n"); }\n', command: ['/bin/sleep', '600'], timeoutMs: 3_000 })
    expect(run.timedOut).toBe(true)
    expect(run.stdout).toContain('started')
    expect(Date.now() - started).toBeLessThan(15_000)
    const { stdout } = await execFileAsync('ps', ['-eo', 'args'])
    expect(stdout.split('\n').some((l) => l.trim() === '/bin/sleep 600')).toBe(false)
  })
}, stockMember())

describeE2E('offset-capable bpftrace', () => {
  const targets = basicBuilds.filter((b) => b.mode !== 'stripped')
  it.each(targets.map((b) => [buildLabel(b), b] as const))('%s: attaches at symbol+offset, where stock bpftrace refuses', async (_, b) => {
    const bpftrace = offsetCapableBpftrace()
    const stock = stockBpftrace()
    if (!bpftrace || !stock) throw new Error('a bpftrace is unavailable')
    const classify = (await goToolNm(b)).find((s) => s.name === 'main.Classify')
    if (!classify) throw new Error('main.Classify missing')
    // The second instruction, as objdump decodes it: a real instruction boundary inside the function.
    const second = (await objdumpInstructions(b.path, classify.addr, classify.addr + classify.size))[1]
    if (!second) throw new Error('main.Classify has fewer than two instructions')
    const program = `uprobe:${b.path}:main.Classify+${second.addr - classify.addr} { @hits = count(); }\n`

    const run = await runBpftrace({ bpftrace, program, command: [b.path, 'run', '2'], unsafe: true })
    expect(run.code).toBe(0)
    const calls = run.commandStdout?.split('\n').filter((l) => l.startsWith('Classify ')).length
    expect(calls).toBe(10)
    expect(run.stdout).toMatch(new RegExp(`@hits: ${calls}\n`))

    const refused = await runBpftrace({ bpftrace: stock, program, command: [b.path, 'run', '2'], unsafe: true })
    expect(refused.code).not.toBe(0)
    expect(refused.stderr + refused.stdout).toContain('offset support')
  })
}, unsafeRebuildMember())
