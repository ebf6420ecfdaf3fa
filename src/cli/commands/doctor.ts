import { existsSync } from 'node:fs'
import { release } from 'node:os'
import type { BpftraceCapabilities } from '../../bpftrace/capabilities.ts'
import { GoprobeError } from '../../errors.ts'
import { Target } from '../../target.ts'
import { bpftracePath, confirmMidFunction, describeCaps, detectCapabilities, midFunctionKnown } from '../bpftrace-choice.ts'

type Status = 'ok' | 'warn' | 'fail'
interface Check { readonly status: Status; readonly what: string; readonly detail: string }

const FALLBACK = 'goprobe uses raw file offsets with --unsafe instead (fine for non-PIE and stripped binaries; PIE binaries with symbols cannot be probed mid-function)'

/**
 * What will and will not work on this machine, and how to fix it. Given a Go binary, it
 * also settles by attaching one probe whether this bpftrace takes mid-function addresses.
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
  const path = bpftracePath(explicitBpftrace)
  try {
    const caps = await detectCapabilities(path)
    checks.push({ status: 'ok', what: 'bpftrace', detail: describeCaps(caps) }, await midFunctionCheck(caps, binary))
  } catch (e) {
    if (!(e instanceof GoprobeError)) throw e
    checks.push({ status: 'fail', what: 'bpftrace', detail: `${e.message}: install it (apt-get install bpftrace) or pass --bpftrace PATH` })
  }
  const mark: Record<Status, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' }
  for (const c of checks) process.stdout.write(`${mark[c.status]}  ${c.what.padEnd(20)} ${c.detail}\n`)
  return checks.some((c) => c.status === 'fail') ? 1 : 0
}

async function midFunctionCheck(caps: BpftraceCapabilities, binary: string | undefined): Promise<Check> {
  const what = 'mid-function probes'
  const known = midFunctionKnown(caps)
  if (known === true) return { status: 'ok', what, detail: 'addresses inside functions are accepted (entry after the prologue, every RET)' }
  if (known === false) return { status: 'warn', what, detail: `not accepted by this bpftrace: ${FALLBACK}` }
  if (!binary) return { status: 'warn', what, detail: `unknown (0.17-0.21 --info cannot tell): run 'goprobe doctor <go-binary>' to test by attaching; meanwhile ${FALLBACK}` }
  const target = Target.open(binary)
  try {
    return (await confirmMidFunction(caps, target))
      ? { status: 'ok', what, detail: `accepted (confirmed by attaching to ${binary})` }
      : { status: 'warn', what, detail: `not accepted (tried on ${binary}): ${FALLBACK}` }
  } finally {
    target.close()
  }
}
