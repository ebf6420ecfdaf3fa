// Bundled probes on real-world Go programs nobody here wrote: the go command and gofmt of
// every toolchain here (the PATH one, Debian's go1.19 and the GOTOOLCHAIN downloads),
// as a user has them. Released toolchains are built without DWARF (Debian's also without
// a symbol table), so layouts come from runtime type metadata or the version tables and
// signatures from the helpers' declarations, and each Go version has its own layouts.
// Oracles: the input the test made, a loopback HTTP server's own request log, and Node's
// (OpenSSL's) TLS key log. Each runs under every bpftrace of the matrix (the newer two on the
// oldest and newest toolchains' programs, see runsToolchain).
import { execFile, execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect } from 'vitest'
import { REPO_ROOT, toolchains } from '../support/fixtures.ts'
import { describeE2E, itE2E, bpftraceOf, bpftraceMatrix, runsToolchain, type MatrixMember } from '../support/bpftrace.ts'
import { Target } from '../../src/target.ts'

const exec = promisify(execFile)
const PATH_GOFMT = join(execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim(), 'bin', 'gofmt')

/** Whether a binary has DWARF, for the test names: a run shows what kind of binary each probe was tried on. */
function debugInfo(path: string): string {
  const t = Target.open(path)
  try {
    return t.dwarf ? 'with DWARF' : 'no DWARF'
  } finally {
    t.close()
  }
}

/** `goprobe run <probe> <binary> [params] -c <command>`, as a user types it, with the member's bpftrace as $GOPROBE_BPFTRACE. */
async function goprobeRun(member: MatrixMember, probe: string, binary: string, params: string[], command: string, env: Record<string, string> = {}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'goprobe-real-'))
  const { stdout } = await exec('node', [join(REPO_ROOT, 'bin', 'goprobe.js'), 'run', probe, binary, ...params, '-c', command], {
    cwd: dir,
    env: { ...process.env, GOPROBE_BPFTRACE: bpftraceOf(member).path, GOFLAGS: '', GOTELEMETRY: 'off', ...env },
    timeout: 120_000,
    maxBuffer: 16 << 20,
  }).catch((e: { stdout: string; stderr: string }) => ({ stdout: `${e.stdout}\n${e.stderr}` }))
  return stdout
}

/**
 * The go command's environment for one module download from a loopback proxy.
 * GOTOOLCHAIN=local keeps a go1.21+ command from handing the work to another toolchain,
 * which would leave the probed binary idle.
 */
function goEnv(dir: string, proxy: string): Record<string, string> {
  return { GOPROXY: proxy, GOMODCACHE: join(dir, 'cache'), GOSUMDB: 'off', GONOSUMDB: '*', GOTOOLCHAIN: 'local' }
}

/** Each toolchain's own go command and gofmt, named with its Go version and whether it has DWARF. */
const allToolchains = await toolchains()
const programs = allToolchains.map((tc) => {
  const go = tc.goBin
  const gofmt = join(dirname(tc.goBin), 'gofmt')
  return [`${tc.id} (go ${debugInfo(go)}, gofmt ${debugInfo(gofmt)})`, { tc, go, gofmt }] as const
})

describeE2E('bundled probes on real-world Go programs', () => {
  describe.each(programs)('the go command and gofmt of %s', (_label, { tc, go: GO, gofmt: GOFMT }) => {
    for (const member of bpftraceMatrix().filter((m) => runsToolchain(m, tc, allToolchains))) {
      itE2E(`${member.label}: shortread on gofmt reading a file: the requested and returned lengths of the read`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'goprobe-gofmt-'))
        const file = join(dir, 'in.go')
        writeFileSync(file, 'package main\n\nfunc main() { println("hi") }\n')
        const size = readFileSync(file).length
        const out = await goprobeRun(member, 'shortread', GOFMT, ['all=true'], `${GOFMT} ${file}`)
        // gofmt asks for size+1 bytes (os.ReadFile) and gets the whole file.
        expect(out).toContain(`read ${file} requested ${size + 1} got ${size} err 0`)
      }, member, 180_000)

      itE2E(`${member.label}: httpsnoop on the go command talking to a loopback module proxy: method, URL, status`, async () => {
        const seen: string[] = []
        const server = createServer((req, res) => {
          seen.push(`${req.method} ${req.url}`)
          res.writeHead(404).end('not here')
        }).listen(0, '127.0.0.1')
        await once(server, 'listening')
        try {
          const port = (server.address() as AddressInfo).port
          const dir = mkdtempSync(join(tmpdir(), 'goprobe-gomod-'))
          const out = await goprobeRun(member, 'httpsnoop', GO, [], `${GO} mod download example.com/x@v1.0.0`, goEnv(dir, `http://127.0.0.1:${port}`))
          expect(seen).toEqual(['GET /example.com/x/@v/v1.0.0.info'])
          // Under bpftrace 0.17 strings are shortened to fit its 512-byte stack; a shortened one
          // ends in the `...` marker and must be the start of what was requested.
          const m = new RegExp(`^GET http://127\\.0\\.0\\.1:${port}(\\S*?)(\\.\\.\\.)? 404 \\d+ us$`, 'm').exec(out)
          expect(m, out).not.toBeNull()
          const path = '/example.com/x/@v/v1.0.0.info'
          if (m![2]) expect(m![1]!.length > 0 && path.startsWith(m![1]!), out).toBe(true)
          else expect(m![1]).toBe(path)
        } finally {
          server.close()
        }
      }, member, 180_000)

      itE2E(`${member.label}: tlssecrets on the go command: its TLS 1.3 handshake secrets equal the server's own key log`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'goprobe-tls-'))
        execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
          '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
        const keylog: string[] = []
        const server = createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => res.end())
        server.on('keylog', (line: Buffer) => keylog.push(line.toString().trim()))
        server.listen(0, '127.0.0.1')
        await once(server, 'listening')
        try {
          const port = (server.address() as AddressInfo).port
          // The go command does not trust the self-signed certificate, but derives and logs
          // the handshake secrets before it verifies it.
          const out = await goprobeRun(member, 'tlssecrets', GO, [], `${GO} mod download example.com/x@v1.0.0`, goEnv(dir, `https://127.0.0.1:${port}`))
          const probed = out.split('\n').filter((l) => /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/.test(l))
          const handshake = keylog.filter((l) => l.includes('HANDSHAKE_TRAFFIC_SECRET'))
          expect(handshake.length).toBeGreaterThanOrEqual(2)
          for (const line of handshake) expect(probed, out).toContain(line)
        } finally {
          server.close()
        }
      }, member, 180_000)
    }
  })

  for (const member of bpftraceMatrix()) {
    itE2E(`${member.label}: latency of gofmt's per-file function: one call per file, timed, and a histogram`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'goprobe-gofmt-'))
      const files = ['a.go', 'b.go'].map((f) => join(dir, f))
      for (const f of files) writeFileSync(f, 'package main\nfunc main(){}\n')
      const out = await goprobeRun(member, 'latency', PATH_GOFMT, ['symbol=main.processFile', 'print=true'], `${PATH_GOFMT} -l ${files.join(' ')}`)
      expect(out.match(/^main\.processFile goroutine \d+ took \d+ ns$/gm)).toHaveLength(files.length)
      expect(out).toMatch(/^@latency_ns\[main\.processFile\]:/m)
    }, member, 180_000)
  }
})
