// `npm run bench`: how long goprobe's commands take and how much memory they use on
// large real-world Go binaries, each in a fresh process as a user runs them, next to
// Go's own tools doing comparable work. Prints figures and ratios; asserts nothing.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const cache = join(process.env.GOPROBE_CACHE ?? join(homedir(), '.cache', 'goprobe'), 'bench')
const RUNS = Number(process.env.GOPROBE_BENCH_RUNS ?? 5)

interface Sample { ms: number; rssMb: number }

/** Median wall time and peak RSS of `argv` over RUNS runs. */
function measure(argv: string[], env: NodeJS.ProcessEnv = process.env): Sample {
  const times: number[] = []
  let rss = 0
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint()
    const r = spawnSync(argv[0]!, argv.slice(1), { env, encoding: 'utf8', maxBuffer: 256 << 20 })
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`)
    const m = /goprobe-bench-maxrss-kb=(\d+)/.exec(r.stderr)
    if (m) rss = Math.max(rss, Number(m[1]) / 1024)
  }
  times.sort((a, b) => a - b)
  return { ms: times[Math.floor(times.length / 2)]!, rssMb: rss }
}

const goprobe = (...args: string[]) => ['node', '--import', join(root, 'bench', 'rss.mjs'), join(root, 'bin', 'goprobe.js'), ...args]

/** A large Go program with compressed DWARF and its stripped twin: cmd/go built from GOROOT. */
function bigBinaries(): { dwarf: string; stripped: string } {
  const goroot = execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim()
  mkdirSync(cache, { recursive: true })
  const dwarf = join(cache, 'go-with-dwarf')
  const stripped = join(cache, 'go-stripped')
  const src = join(goroot, 'src', 'cmd', 'go')
  if (!existsSync(dwarf)) execFileSync('go', ['build', '-o', dwarf, '.'], { cwd: src, stdio: 'inherit' })
  if (!existsSync(stripped)) execFileSync('go', ['build', '-ldflags=-s -w', '-o', stripped, '.'], { cwd: src, stdio: 'inherit' })
  return { dwarf, stripped }
}

const rows: string[][] = [['what', 'binary', 'median ms', 'peak RSS MB', 'vs']]
function row(what: string, binary: string, s: Sample, vs?: { label: string; sample: Sample }): void {
  rows.push([what, binary, s.ms.toFixed(0), s.rssMb ? s.rssMb.toFixed(0) : '-', vs ? `${(s.ms / vs.sample.ms).toFixed(1)}x ${vs.label}` : ''])
}

const { dwarf, stripped } = bigBinaries()
const mb = (p: string) => `${(Number(execFileSync('stat', ['-c', '%s', p], { encoding: 'utf8' })) / 1e6).toFixed(0)} MB`
const names = { [dwarf]: `cmd/go with DWARF (${mb(dwarf)})`, [stripped]: `cmd/go stripped (${mb(stripped)})` }

const startup = measure(goprobe('--version'))
row('goprobe --version (startup)', '-', startup)
for (const bin of [dwarf, stripped]) {
  const versionM = measure(['go', 'version', '-m', bin])
  row('go version -m', names[bin]!, versionM)
  row('goprobe info', names[bin]!, measure(goprobe('info', bin)), { label: 'go version -m', sample: versionM })
  // go tool nm needs a symbol table; goprobe reads the pclntab of stripped binaries too.
  const nm = bin === dwarf ? measure(['go', 'tool', 'nm', '-size', bin]) : undefined
  if (nm) row('go tool nm -size', names[bin]!, nm)
  row('goprobe symbols (all, disassembled)', names[bin]!, measure(goprobe('symbols', bin, '--json')), nm ? { label: 'go tool nm', sample: nm } : undefined)
  row('goprobe symbols net/http.* ', names[bin]!, measure(goprobe('symbols', bin, '^net/http\\.')))
}
row('goprobe layout net/http.Request', names[dwarf]!, measure(goprobe('layout', dwarf, 'net/http.Request')), { label: 'startup', sample: startup })
row('goprobe layout net/http.Request', names[stripped]!, measure(goprobe('layout', stripped, 'net/http.Request')), { label: 'startup', sample: startup })
row('goprobe func net/http.(*Client).do', names[dwarf]!, measure(goprobe('func', dwarf, 'net/http.(*Client).do')), { label: 'startup', sample: startup })

const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
process.stdout.write(`goprobe benchmarks (${RUNS} runs each, median; machine: ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores)\n\n`)
for (const r of rows) process.stdout.write(`${r.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}\n`)
