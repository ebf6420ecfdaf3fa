// `goprobe run ... -c CMD` where CMD starts the traced binary through another program (a
// shell, `timeout`): goprobe starts CMD in a cgroup of its own and traces the binary there.
// The fixture's own record (the goroutines it started, read from runtime.Stack) is the oracle.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { cgroup2Mount } from '../../src/cli/traced-command.ts'
import { bpftraceMatrix, bpftraceOf, describeE2E, itE2E, type MatrixMember } from '../support/bpftrace.ts'
import { allBuilds, REPO_ROOT } from '../support/fixtures.ts'

const LINE = /^goroutine (\d+) -> (\d+) created at (\S+) runs (\S+)$/
const [build] = await allBuilds('runtimeops', ['default'])
const [strippedBuild] = await allBuilds('runtimeops', ['stripped'])

interface GoprobeRun { stdout: string; stderr: string; code: number | null; pid: number; record: string[] }

function goprobeRun(member: MatrixMember, args: string[], log: string): Promise<GoprobeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [join(REPO_ROOT, 'bin', 'goprobe.js'), ...args], {
      env: { ...process.env, GOPROBE_BPFTRACE: bpftraceOf(member).path, GOPROBE_FIXTURE_LOG: log },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
    const timer = setTimeout(() => child.kill('SIGINT'), 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      const record = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []
      resolve({ stdout, stderr, code, pid: child.pid!, record })
    })
  })
}

describeE2E('-c through a wrapper', () => {
  for (const member of bpftraceMatrix())
  for (const wrap of [(bin: string) => `sh -c '${bin} goroutines; true'`, (bin: string) => `timeout 60 ${bin} goroutines`]) {
    const command = wrap(build!.path)
    itE2E(`goroutine probe with -c "${command.replace(build!.path, 'runtimeops')}" sees the fixture's goroutines (${member.label})`, async () => {
      const log = join(mkdtempSync(join(tmpdir(), 'goprobe-wrap-')), 'record.log')
      const r = await goprobeRun(member, ['run', 'goroutine', build!.path, '-c', command], log)
      expect(r.code, r.stderr).toBe(0)
      expect(r.record, r.stderr).toHaveLength(5)
      const children = new Set(r.record.map((l) => l.split(' ')[2]))
      const seen = r.stdout.split('\n').map((l) => LINE.exec(l)).filter((m) => m !== null && children.has(m[2]!))
        .map((m) => `spawn ${m![1]} ${m![2]} main.spawnWorkers`)
      expect(seen.sort()).toEqual([...r.record].sort())
      // Only goprobe's own lines on stderr: which bpftrace, then notes. bpftrace's noise is gone,
      // and the run says when tracing started.
      const stderrLines = r.stderr.split('\n').filter(Boolean)
      expect(stderrLines[0]).toBe(`goprobe: bpftrace ${bpftraceOf(member).version.replace(/^v/, '')} at ${bpftraceOf(member).path} (named by $GOPROBE_BPFTRACE; takes ${member.takesOffsets ? '' : 'no '}probes inside functions)`)
      expect(stderrLines.slice(1).filter((l) => !l.startsWith('goprobe: note: ')), r.stderr).toEqual([])
      expect(stderrLines).toContain('goprobe: note: tracing (3 probes); Ctrl-C stops')
      // The run's cgroup is gone.
      const mount = cgroup2Mount(readFileSync('/proc/self/mountinfo', 'utf8'))
      expect(mount).toBeDefined()
      expect(existsSync(join(mount!, `goprobe-${r.pid}`))).toBe(false)
    }, member, 180_000)
  }
})

// Stacks and usym() of a stripped binary: bpftrace prints raw addresses, goprobe names them.
describeE2E('names, not addresses', () => {
  for (const member of bpftraceMatrix())
  itE2E(`goroutine stack=true on a stripped build names creation sites, start functions and frames (${member.label})`, async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'goprobe-sym-')), 'record.log')
    const r = await goprobeRun(member, ['run', 'goroutine', strippedBuild!.path, 'stack=true', '-c', `${strippedBuild!.path} goroutines`], log)
    expect(r.code, r.stderr).toBe(0)
    const children = new Set(r.record.map((l) => l.split(' ')[2]))
    const events = r.stdout.split('\n').map((l) => LINE.exec(l)).filter((m) => m !== null && children.has(m[2]!))
    expect(events).toHaveLength(5)
    for (const m of events) {
      expect(m![3]).toBe('main.spawnWorkers')
      expect(m![4]).toMatch(/^main\.(spawnWorkers\.(func|gowrap)\d+|worker)$/)
    }
    // Every frame line is a name: the new goroutine is made in runtime.newproc1, called from main.spawnWorkers.
    const frames = r.stdout.split('\n').filter((l) => /^\s{8}\S/.test(l))
    expect(frames.filter((l) => /^\s+0x[0-9a-f]+$/.test(l))).toEqual([])
    expect(frames.some((l) => /^\s+main\.spawnWorkers\+\d+$/.test(l))).toBe(true)
    expect(frames.some((l) => /^\s+runtime\.newproc1\+\d+$/.test(l))).toBe(true)
  }, member, 180_000)
})
