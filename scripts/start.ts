// `npm start`: goprobe's main job on the bundled demo. It builds examples/demo, shows
// what goprobe reads from the binary, prints the bpftrace program that the probe in
// examples/demo/orders.ts compiles to, and, when bpftrace can run here (root, tracefs),
// runs it against the demo so you see live events.
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildProgram } from '../src/build.ts'
import { EXIT_MARKER, runBpftrace } from '../src/cli/bpftrace-runner.ts'
import { planCommandTracing, removeCgroup } from '../src/cli/traced-command.ts'
import { attachCapabilities, detectCapabilities } from '../src/cli/bpftrace-choice.ts'
import { infoCommand } from '../src/cli/commands/info.ts'
import { runCommand } from '../src/cli/output.ts'
import { Target } from '../src/target.ts'
import orders from '../examples/demo/orders.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const say = (s: string) => process.stdout.write(`\n\x1b[1m== ${s}\x1b[0m\n`)

function buildDemo(): string {
  const src = join(root, 'examples', 'demo')
  const hash = createHash('sha256').update(readFileSync(join(src, 'main.go'))).update(readFileSync(join(src, 'go.mod'))).digest('hex').slice(0, 12)
  const out = join(process.env.GOPROBE_CACHE ?? join(homedir(), '.cache', 'goprobe'), 'demo', hash, 'demo')
  if (!existsSync(out)) {
    mkdirSync(join(out, '..'), { recursive: true })
    execFileSync('go', ['build', '-o', out, '.'], { cwd: src, stdio: 'inherit' })
  }
  return out
}

/** Root with tracefs and a bpftrace: quick setup installs Debian's bpftrace if missing. */
function bpftraceUsable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root'
  spawnSync('bash', [join(root, 'scripts', 'setup-system.sh'), '--quick'], { stdio: 'inherit' })
  if (!existsSync('/sys/kernel/tracing/uprobe_events')) return 'tracefs is not available'
  return undefined
}

await runCommand(async () => {
  say('building the demo program (examples/demo/main.go)')
  const demo = buildDemo()
  say(`goprobe info ${demo}`)
  infoCommand(demo, false)

  say('the probe examples/demo/orders.ts compiled for this binary')
  const target = Target.open(demo)
  try {
    const printed = await buildProgram(orders, target, { pid: 'child' })
    process.stdout.write(printed.text)
    const why = bpftraceUsable()
    if (why) {
      say(`not running it: ${why}. As root, 'npm start' also runs it and shows live events.`)
      return 0
    }
    const bpftrace = process.env.GOPROBE_BPFTRACE ?? 'bpftrace'
    const caps = await detectCapabilities(bpftrace)
    const v = caps.version
    const command = `${demo} 3`
    const tracing = planCommandTracing(command, demo)
    try {
      const runnable = await buildProgram(orders, target, {
        pid: tracing.kind === 'cgroup' ? { cgroup: tracing.directory } : 'child', exitMarker: EXIT_MARKER,
        bpftraceVersion: `${v.major}.${v.minor}.${v.patch}`, capabilities: await attachCapabilities(caps, target),
      })
      say(`running it: goprobe run examples/demo/orders.ts ${demo} -c '${command}' (Ctrl-C stops it)`)
      return await runBpftrace({
        bpftrace: caps.path, text: runnable.text, requirements: runnable.requirements, command,
        midFunctionSites: runnable.midFunctionSites, exitMarker: EXIT_MARKER,
        ...(tracing.kind === 'cgroup' ? { cgroup: tracing.directory } : {}),
      })
    } finally {
      if (tracing.kind === 'cgroup') removeCgroup(tracing.directory)
    }
  } finally {
    target.close()
  }
})
