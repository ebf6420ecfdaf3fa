// `npm start`: goprobe's main job on the bundled demo. It builds examples/demo, shows
// what goprobe reads from the binary, prints the bpftrace program that the probe in
// examples/demo/orders.ts compiles to, and, when bpftrace can run here (root, tracefs),
// runs it against the demo so you see live events.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildProgram } from '../src/build.ts'
import { EXIT_MARKER, runBpftrace } from '../src/cli/bpftrace-runner.ts'
import { planCommandTracing, removeCgroup } from '../src/cli/traced-command.ts'
import { announceChoice, bpftraceFor } from '../src/cli/bpftrace-choice.ts'
import { infoCommand } from '../src/cli/commands/info.ts'
import { runCommand } from '../src/cli/output.ts'
import { Target } from '../src/target.ts'
import orders from '../examples/demo/orders.ts'
import { demoBinary } from './demo-binary.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const say = (s: string) => process.stdout.write(`\n\x1b[1m== ${s}\x1b[0m\n`)

/** Root with tracefs and a bpftrace: quick setup installs Debian's bpftrace if missing. */
function bpftraceUsable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root'
  spawnSync('bash', [join(root, 'scripts', 'setup-system.sh'), '--quick'], { stdio: 'inherit' })
  if (!existsSync('/sys/kernel/tracing/uprobe_events')) return 'tracefs is not available'
  return undefined
}

await runCommand(async () => {
  say('building the demo program (examples/demo/main.go)')
  const demo = demoBinary()
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
    const choice = await bpftraceFor({ run: true }, target)
    const bpftrace = choice.target
    const command = `${demo} 3`
    const tracing = planCommandTracing(command, demo)
    try {
      const runnable = await buildProgram(orders, target, {
        ...bpftrace, pid: tracing.kind === 'cgroup' ? { cgroup: tracing.directory } : 'child', exitMarker: EXIT_MARKER,
      })
      announceChoice(choice)
      say(`running it: goprobe run examples/demo/orders.ts ${demo} -c '${command}' (Ctrl-C stops it)`)
      return await runBpftrace({
        bpftrace: bpftrace.bpftracePath!, text: runnable.text, requirements: runnable.requirements, command,
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
