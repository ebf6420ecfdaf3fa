// Run in a fresh node process by the bench: loads goprobe and the probe module (start-up,
// not timed), then times one compile of the probe for the binary exactly as `goprobe compile`
// does it (open the binary, build, print) and writes {"ms": ...} as its last line.
// argv: <probe.ts> <binary> [key=value ...]
import { buildProgram } from '../src/build.ts'
import { loadProbe } from '../src/cli/probe-modules.ts'
import { parseParams } from '../src/cli/probe-cli.ts'
import { Target } from '../src/target.ts'

const [probe, binary, ...params] = process.argv.slice(2)
if (!probe || !binary) throw new Error('usage: compile-in-process.ts <probe.ts> <binary> [key=value ...]')
const def = await loadProbe(probe)
const options = { params: parseParams(params) }

const t0 = process.hrtime.bigint()
try {
  const target = Target.open(binary)
  try {
    await buildProgram(def, target, options)
  } finally {
    target.close()
  }
} catch (e) {
  // One line, like the goprobe command, for the bench's list of failures.
  process.stderr.write(`goprobe: ${(e as Error).message}\n`)
  process.exit(2)
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6
process.stdout.write(`${JSON.stringify({ ms })}\n`)
