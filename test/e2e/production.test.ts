// goprobe run against a live service: stops by each signal leave no bpftrace behind, and a
// process or saved program that does not match the build compiled for is refused before
// anything is attached. The Go fixture `basic run N` is the service (it calls main.Add N times).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect } from 'vitest'
import { bpftraceMatrix, bpftraceOf, describeE2E, itE2E, stockMember, type MatrixMember } from '../support/bpftrace.ts'
import { expectOneLineError, goprobe, GOPROBE } from '../support/cli.ts'
import { allBuilds } from '../support/fixtures.ts'

const builds = await allBuilds('basic', ['default'])
// Two different builds of the same program: the newest and the oldest toolchain's.
const [oneBuild, otherBuild] = [builds.at(-1)!, builds[0]!]
const PATTERN = 'pattern=^main\\.Add$'
const started: ChildProcess[] = []

afterEach(() => {
  for (const p of started.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
})

function service(path: string): ChildProcess {
  const p = spawn(path, ['run', '100000000'], { stdio: 'ignore' })
  started.push(p)
  return p
}

/** A fresh directory holding a copy of `build` at `svc`: uprobes there are this test's alone. */
function serviceDir(build: string): { dir: string; svc: string } {
  const dir = mkdtempSync(join(tmpdir(), 'goprobe-prod-'))
  copyFileSync(build, join(dir, 'svc'))
  return { dir, svc: join(dir, 'svc') }
}

interface Live { child: ChildProcess; stdout: () => string; stderr: () => string; done: Promise<number | null> }

function startGoprobe(args: string[], member: MatrixMember = stockMember()): Live {
  const child = spawn('node', [GOPROBE, ...args], { env: { ...process.env, GOPROBE_BPFTRACE: bpftraceOf(member).path }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s))
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s))
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return { child, stdout: () => out, stderr: () => err, done }
}

async function untilTracing(live: Live): Promise<void> {
  for (let i = 0; i < 240 && !live.stderr().includes('tracing ('); i++) await new Promise((r) => setTimeout(r, 250))
  expect(live.stderr()).toContain('goprobe: note: tracing (')
}

/** Processes whose command line names `dir` (bpftrace's uprobes name the service's path). */
function processesNaming(dir: string): string[] {
  const r = spawnSync('pgrep', ['-af', dir], { encoding: 'utf8' })
  return r.stdout.split('\n').filter((l) => l.includes('bpftrace'))
}

/**
 * The bpftrace goprobe started (goprobe also runs esbuild's service when run from source). A
 * private install runs as its own loader with bpftrace's path as an argument, so the command
 * line is matched, not the process name.
 */
function bpftraceChildOf(pid: number): number {
  const r = execFileSync('pgrep', ['-a', '-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter((l) => l.includes('bpftrace'))
  expect(r).toHaveLength(1)
  return Number(r[0]!.split(' ')[0])
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true } catch { return false } }

describeE2E('stopping goprobe run', () => {
  for (const member of bpftraceMatrix())
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL'] as const) {
    itE2E(`${signal} to goprobe ${signal === 'SIGKILL' ? 'kills bpftrace with it' : 'stops bpftrace, which prints its maps'}, and nothing stays behind (${member.label})`, async () => {
      const { dir, svc } = serviceDir(oneBuild.path)
      const live = startGoprobe(['run', 'funccount', svc, PATTERN], member)
      await untilTracing(live)
      const bpftrace = bpftraceChildOf(live.child.pid!)
      spawnSync(svc, ['run', '3'])
      live.child.kill(signal)
      const code = await live.done
      if (signal === 'SIGKILL') {
        // The kernel's parent-death signal: bpftrace is gone soon after, not adopted by init.
        for (let i = 0; i < 120 && alive(bpftrace); i++) await new Promise((r) => setTimeout(r, 250))
      } else {
        expect(code, live.stderr()).toBe(0)
        expect(live.stdout()).toMatch(/^@calls\[main\.Add\]: 3$/m)
      }
      expect(alive(bpftrace)).toBe(false)
      expect(processesNaming(dir)).toEqual([])
      expect(readFileSync('/sys/kernel/tracing/uprobe_events', 'utf8')).not.toContain(dir)
      // The program was never a file with a name: no goprobe temporary is left in tmpdir.
      expect(spawnSync('ls', [tmpdir()], { encoding: 'utf8' }).stdout.split('\n').filter((f) => f.startsWith(`goprobe-${live.child.pid}-`))).toEqual([])
    }, member, 120_000)
  }
})

describeE2E('stopping goprobe run through what runs it', () => {
  // As `npx goprobe` runs it: npm starts `sh -c goprobe ...` and, killed, passes nothing on.
  itE2E('the process above its sh -c dies by SIGKILL: bpftrace prints its maps and is gone', async () => {
    const { dir, svc } = serviceDir(oneBuild.path)
    const [out, err] = [join(dir, 'out'), join(dir, 'err')]
    const inner = `node ${GOPROBE} run funccount ${svc} '${PATTERN}' >${out} 2>${err}; true`
    const npmLike = spawn('sh', ['-c', `sh -c "${inner}" & wait`], { env: { ...process.env, GOPROBE_BPFTRACE: bpftraceOf(stockMember()).path }, stdio: 'ignore' })
    started.push(npmLike)
    const text = (f: string) => { try { return readFileSync(f, 'utf8') } catch { return '' } }
    for (let i = 0; i < 240 && !text(err).includes('tracing ('); i++) await new Promise((r) => setTimeout(r, 250))
    expect(text(err)).toContain('goprobe: note: tracing (')
    spawnSync(svc, ['run', '3'])
    npmLike.kill('SIGKILL')
    for (let i = 0; i < 120 && processesNaming(dir).length + spawnSync('pgrep', ['-f', `goprobe.js run funccount ${svc}`]).stdout.length > 0; i++) await new Promise((r) => setTimeout(r, 250))
    expect(spawnSync('pgrep', ['-f', `goprobe.js run funccount ${svc}`], { encoding: 'utf8' }).stdout).toBe('')
    expect(text(out)).toMatch(/^@calls\[main\.Add\]: 3$/m)
  }, stockMember(), 120_000)
}, stockMember())

describeE2E('never the wrong binary', () => {
  itE2E('-p of a process that does not exist: one line, exit 2', async () => {
    expectOneLineError(await goprobe(['run', 'funccount', oneBuild.path, PATTERN, '-p', '99999999']), /^goprobe: -p 99999999: no such process$/)
  }, stockMember())

  itE2E('-p of a process that is not Go: one line, exit 2', async () => {
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' })
    started.push(sleeper)
    expectOneLineError(await goprobe(['run', 'funccount', oneBuild.path, PATTERN, '-p', String(sleeper.pid)]), /-p \d+: the process runs \/\S+sleep, which is not a Go program$/)
  }, stockMember())

  itE2E('-p of a process running another build: one line, exit 2, nothing attached', async () => {
    const { dir, svc } = serviceDir(otherBuild.path)
    const p = service(svc)
    await new Promise((r) => setTimeout(r, 300))
    // The binary given is another build than the process runs.
    const r = await goprobe(['run', 'funccount', oneBuild.path, PATTERN, '-p', String(p.pid)])
    expectOneLineError(r, /-p \d+: the process runs another build \(.*svc, build id .*\) than the program is for/)
    expect(processesNaming(dir)).toEqual([])
  }, stockMember())

  itE2E('-p of a process whose file was replaced by the same build: attaches through /proc/PID/exe and counts its calls', async () => {
    const { dir, svc } = serviceDir(oneBuild.path)
    const p = service(svc)
    await new Promise((r) => setTimeout(r, 300))
    // A new file (a new inode) at the path: uprobes on the path would never fire in the process.
    copyFileSync(svc, join(dir, 'svc.new'))
    renameSync(join(dir, 'svc.new'), svc)
    const bt = join(dir, 'printed.bt')
    const live = startGoprobe(['run', 'funccount', svc, PATTERN, '-p', String(p.pid), '-o', bt])
    await untilTracing(live)
    await new Promise((r) => setTimeout(r, 1000))
    live.child.kill('SIGINT')
    expect(await live.done, live.stderr()).toBe(0)
    expect(readFileSync(bt, 'utf8')).toContain(`uprobe:"/proc/${p.pid}/exe":`)
    expect(Number(/^@calls\[main\.Add\]: (\d+)$/m.exec(live.stdout())?.[1])).toBeGreaterThan(0)
  }, stockMember(), 120_000)

  itE2E('a saved program is refused once the binary at its path is rebuilt, and runs against its own build', async () => {
    const { dir, svc } = serviceDir(oneBuild.path)
    const bt = join(dir, 'count.bt')
    const compiled = await goprobe(['compile', 'funccount', svc, PATTERN, '-o', bt], { GOPROBE_BPFTRACE: bpftraceOf(stockMember()).path })
    expect(compiled.code, compiled.stderr).toBe(0)
    expect(readFileSync(bt, 'utf8')).toMatch(/^\/\/ run: {6}goprobe run funccount\.bt \[-p PID \| -c CMD\]$/m)
    // Its own build: runs, counts the calls of the process.
    const p = service(svc)
    const live = startGoprobe(['run', bt, '-p', String(p.pid)])
    await untilTracing(live)
    await new Promise((r) => setTimeout(r, 1000))
    live.child.kill('SIGTERM')
    expect(await live.done, live.stderr()).toBe(0)
    expect(Number(/^@calls\[main\.Add\]: (\d+)$/m.exec(live.stdout())?.[1])).toBeGreaterThan(0)
    p.kill('SIGKILL')
    // Rebuilt at the same path (another build copied over it): refused in one line.
    copyFileSync(otherBuild.path, join(dir, 'svc.new'))
    renameSync(join(dir, 'svc.new'), svc)
    expectOneLineError(await goprobe(['run', bt]), /count\.bt was compiled for another build of .*svc \(build id \S+, now \S+\): compile it again/)
  }, stockMember(), 120_000)
}, stockMember())
