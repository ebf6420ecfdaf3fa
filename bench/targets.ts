// The binaries the compile benchmark runs on, each with the function its latency probe traces:
// fixture programs from the test suite, the large generated program (with DWARF and stripped),
// and any binaries named on the command line.
import { execFileSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { basename } from 'node:path'
import { buildFixture, type BuildMode, type Toolchain } from '../test/support/fixtures.ts'
import { largeBinaries } from './gen/large-binary.ts'
import { LARGE_PROGRAM_SYMBOL } from './gen/large-program.ts'

export interface BenchTarget {
  readonly label: string
  readonly path: string
  /** The function the latency probe times. */
  readonly latencySymbol: string
}

export const sizeMb = (path: string): number => statSync(path).size / 1e6

/** The Go on PATH as a fixture toolchain (the test suite's full discovery also fetches other versions). */
function pathToolchain(): Toolchain {
  const [id, goroot] = execFileSync('go', ['env', 'GOVERSION', 'GOROOT'], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } }).trim().split('\n')
  return { id: id!, goBin: `${goroot}/bin/go`, version: id!.slice(2), env: { GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' } }
}

/** The httpsnoop fixture: it makes HTTP requests (so every probe has its functions), default and stripped. */
async function fixtureTargets(): Promise<BenchTarget[]> {
  const tc = pathToolchain()
  const out: BenchTarget[] = []
  for (const mode of ['default', 'stripped'] as BuildMode[]) {
    const b = await buildFixture('httpsnoop', tc, mode)
    out.push({ label: `fixture httpsnoop ${tc.id} ${mode} (${sizeMb(b.path).toFixed(0)} MB)`, path: b.path, latencySymbol: 'main.do' })
  }
  return out
}

function largeTargets(): BenchTarget[] {
  const { dwarf, stripped, shape } = largeBinaries()
  const fns = `${shape.packages * shape.functionsPerPackage} fns`
  return [
    { label: `generated, DWARF (${sizeMb(dwarf).toFixed(0)} MB, ${fns})`, path: dwarf, latencySymbol: LARGE_PROGRAM_SYMBOL },
    { label: `generated, stripped (${sizeMb(stripped).toFixed(0)} MB)`, path: stripped, latencySymbol: LARGE_PROGRAM_SYMBOL },
  ]
}

/**
 * A real-world binary from the command line. Its latency probe traces `symbol` (from a
 * `symbol=NAME` argument), else runtime.main, which every Go program has. (Not main.main: in a
 * large non-PIE binary its RET sites can sit at file offsets that are also symbol addresses,
 * which goprobe refuses to print for a bpftrace that takes no offsets inside functions.)
 */
function givenTarget(path: string, symbol = 'runtime.main'): BenchTarget {
  return { label: `${basename(path)} (${sizeMb(path).toFixed(0)} MB)`, path, latencySymbol: symbol }
}

/** `given`: binaries from the command line, and optionally `symbol=NAME` for their latency probe. */
export async function benchTargets(given: readonly string[]): Promise<BenchTarget[]> {
  const symbol = given.find((a) => a.startsWith('symbol='))?.slice('symbol='.length)
  const binaries = given.filter((a) => !a.startsWith('symbol='))
  return [...(await fixtureTargets()), ...largeTargets(), ...binaries.map((b) => givenTarget(b, symbol))]
}
