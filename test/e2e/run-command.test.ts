// `goprobe run ... -c CMD` where CMD starts the traced binary through another program (a
// shell, `timeout`): goprobe starts CMD in a cgroup of its own and traces the binary there.
// The fixture's own record (the goroutines it started, read from runtime.Stack) is the oracle.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { cgroup2Mount } from '../../src/cli/traced-command.ts'
import { describeE2E, itE2E, stockBpftrace } from '../support/bpftrace.ts'
import { allBuilds, REPO_ROOT } from '../support/fixtures.ts'

const LINE = /^goroutine (\d+) -> (\d+) created at (\S+) runs (\S+)$/
const [build] = await allBuilds('runtimeops', ['default'])

interface GoprobeRun { stdout: string; stderr: string; code: number | null; pid: number; record: string[] }

function goprobeRun(args: string[], log: string): Promise<GoprobeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [join(REPO_ROOT, 'bin', 'goprobe.js'), ...args], {
      env: { ...process.env, GOPROBE_BPFTRACE: stockBpftrace()!.path, GOPROBE_FIXTURE_LOG: log },
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
  for (const wrap of [(bin: string) => `sh -c '${bin} goroutines; true'`, (bin: string) => `timeout 60 ${bin} goroutines`]) {
    const command = wrap(build!.path)
    itE2E(`goroutine probe with -c "${command.replace(build!.path, 'runtimeops')}" sees the fixture's goroutines`, async () => {
      const log = join(mkdtempSync(join(tmpdir(), 'goprobe-wrap-')), 'record.log')
      const r = await goprobeRun(['run', 'goroutine', build!.path, '-c', command], log)
      expect(r.code, r.stderr).toBe(0)
      expect(r.record, r.stderr).toHaveLength(5)
      const children = new Set(r.record.map((l) => l.split(' ')[2]))
      const seen = r.stdout.split('\n').map((l) => LINE.exec(l)).filter((m) => m !== null && children.has(m[2]!))
        .map((m) => `spawn ${m![1]} ${m![2]} main.spawnWorkers`)
      expect(seen.sort()).toEqual([...r.record].sort())
      // Only goprobe's own notes on stderr: bpftrace's noise is gone, and the run says when tracing started.
      const stderrLines = r.stderr.split('\n').filter(Boolean)
      expect(stderrLines.filter((l) => !l.startsWith('goprobe: note: ')), r.stderr).toEqual([])
      expect(stderrLines).toContain('goprobe: note: tracing (3 probes); Ctrl-C stops')
      // The run's cgroup is gone.
      const mount = cgroup2Mount(readFileSync('/proc/self/mountinfo', 'utf8'))
      expect(mount).toBeDefined()
      expect(existsSync(join(mount!, `goprobe-${r.pid}`))).toBe(false)
    }, 'stock', 180_000)
  }
}, 'stock')
