import { existsSync, realpathSync } from 'node:fs'
import { release } from 'node:os'
import { chooseBpftrace, describeOffsetSupport, inspectBpftrace, isFound, knownBpftraces, type BrokenBpftrace, type FoundBpftrace } from '../../bpftrace/discovery.ts'
import { formatVersion } from '../../bpftrace/version.ts'
import { GoprobeError } from '../../errors.ts'
import { Target } from '../../target.ts'
import { offsetWitness } from '../bpftrace-choice.ts'

type Status = 'ok' | 'warn' | 'fail'
interface Check { readonly status: Status; readonly what: string; readonly detail: string }

/**
 * What will and will not work on this machine, and how to fix it: privileges, tracefs, BTF,
 * every bpftrace goprobe found with what each can do, and the one it would use. Given a Go
 * binary, also whether probes inside its functions can be attached, and with what.
 */
export async function doctorCommand(explicitBpftrace: string | undefined, binary: string | undefined): Promise<number> {
  const checks: Check[] = [
    process.getuid?.() === 0
      ? { status: 'ok', what: 'privileges', detail: 'running as root' }
      : { status: 'fail', what: 'privileges', detail: 'not root: bpftrace needs root (or CAP_BPF, CAP_PERFMON, CAP_DAC_READ_SEARCH); printing programs still works' },
    { status: 'ok', what: 'kernel', detail: release() },
    existsSync('/sys/kernel/tracing/uprobe_events') || existsSync('/sys/kernel/debug/tracing/uprobe_events')
      ? { status: 'ok', what: 'tracefs', detail: 'uprobe_events available' }
      : { status: 'fail', what: 'tracefs', detail: 'not mounted: mount -t tracefs nodev /sys/kernel/tracing' },
    existsSync('/sys/kernel/btf/vmlinux')
      ? { status: 'ok', what: 'kernel BTF', detail: '/sys/kernel/btf/vmlinux' }
      : { status: 'warn', what: 'kernel BTF', detail: 'missing: probes of stack-ABI (Go <= 1.16) code read the goroutine through curtask and need it' },
  ]
  const target = binary === undefined ? undefined : Target.open(binary)
  try {
    checks.push(...(await bpftraceChecks(explicitBpftrace, target)))
  } finally {
    target?.close()
  }
  const mark: Record<Status, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' }
  for (const c of checks) process.stdout.write(`${mark[c.status]}  ${c.what.padEnd(20)} ${c.detail}\n`)
  return checks.some((c) => c.status === 'fail') ? 1 : 0
}

async function bpftraceChecks(explicit: string | undefined, target: Target | undefined): Promise<Check[]> {
  const witness = offsetWitness(target)
  const needed = target?.fileOffsetsMayHitSymbols ?? true
  let choice
  try {
    choice = await chooseBpftrace(explicit, needed, witness)
  } catch (e) {
    if (!(e instanceof GoprobeError)) throw e
    return [{ status: 'fail', what: 'bpftrace', detail: `${e.message}: fix or drop the name, or install bpftrace (apt-get install bpftrace)` }]
  }
  if (!choice) return [{ status: 'fail', what: 'bpftrace', detail: "none on PATH or in goprobe's cache: install it (apt-get install bpftrace, or scripts/setup-system.sh for the offset-capable build) or pass --bpftrace PATH" }]
  // A named bpftrace is the only one considered; the others are still listed, for the record.
  const chosenReal = realpathSync(choice.chosen.path)
  const others = choice.others.length
    ? choice.others
    : await Promise.all(knownBpftraces().filter((c) => realpathSync(c.path) !== chosenReal).map((c) => inspectBpftrace(c, witness)))
  return [
    ...[choice.chosen, ...others].map(listing),
    { status: 'ok', what: 'goprobe uses', detail: choice.explanation },
    insideFunctions(choice.chosen, target),
  ]
}

function listing(b: FoundBpftrace | BrokenBpftrace): Check {
  const where = `${b.path} (${b.origin})`
  if (!isFound(b)) return { status: 'warn', what: 'bpftrace', detail: `${where} does not run: ${b.problem}` }
  const c = b.caps
  const extras = [c.liblldb && 'liblldb (moves symbol probes past the prologue)', c.btf && 'kernel BTF'].filter(Boolean).join(', ')
  return { status: 'ok', what: 'bpftrace', detail: `${formatVersion(c.version)} at ${where}: ${describeOffsetSupport(b.offsets)} (${b.offsets.detail})${extras ? `; ${extras}` : ''}` }
}

/** Whether probes inside functions can be attached: on this binary when given, else in general. */
function insideFunctions(chosen: FoundBpftrace, target: Target | undefined): Check {
  const what = 'inside functions'
  const takes = chosen.offsets.accepted === true
  if (takes) return { status: 'ok', what, detail: `return probes and probes after the prologue attach${target ? ` in ${target.path}` : ' in every Go binary'}` }
  const fallback = 'raw file offsets with --unsafe instead'
  if (!target) {
    return {
      status: 'warn',
      what,
      detail: `${describeOffsetSupport(chosen.offsets)}: stripped binaries, and non-PIE ones with less than ~4 MB of code, work through ${fallback}; PIE binaries with symbols and larger non-PIE ones need an offset-capable bpftrace (0.22+, or scripts/setup-system.sh's build); 'goprobe doctor <binary>' tells for one binary`,
    }
  }
  if (target.isStripped) return { status: 'ok', what, detail: `${target.path} is stripped: ${fallback} (no symbol can collide with them)` }
  if (!target.fileOffsetsMayHitSymbols) return { status: 'ok', what, detail: `${target.path}: its code's file offsets name no symbol: ${fallback}` }
  return {
    status: 'warn',
    what,
    detail: `${target.path} has symbols and part of its code lies at file offsets that are also symbol addresses${target.isPIE ? ' (PIE)' : ''}, and the bpftrace goprobe uses takes no probes inside functions: return probes and probes after the prologue cannot attach; install an offset-capable bpftrace (0.22+, or scripts/setup-system.sh's build) or probe a stripped copy (go build -ldflags='-s -w')`,
  }
}
