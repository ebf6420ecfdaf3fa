// What the BPF programs themselves cost, apart from the uprobe trap that runs them: with
// kernel.bpf_stats_enabled the kernel counts, per program, its runs and the time spent in
// them, shown in /proc/<pid>/fdinfo/<fd> of the process holding it (bpftrace). This does
// not depend on the machine's other load, unlike the traced program's throughput.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'

const SYSCTL = '/proc/sys/kernel/bpf_stats_enabled'

/** Turns the kernel's BPF run-time statistics on until this process exits; false when it cannot. */
export function enableBpfStats(): boolean {
  try {
    const before = readFileSync(SYSCTL, 'utf8').trim()
    if (before !== '1') {
      writeFileSync(SYSCTL, '1')
      process.on('exit', () => writeFileSync(SYSCTL, before))
    }
    return true
  } catch {
    return false
  }
}

export interface ProgramStats { readonly runTimeNs: number; readonly runs: number }

/** Cumulative statistics of every BPF program `pid` holds, by file descriptor. */
export function bpfProgramStats(pid: number): Map<string, ProgramStats> {
  const out = new Map<string, ProgramStats>()
  let fds: string[]
  try {
    fds = readdirSync(`/proc/${pid}/fdinfo`)
  } catch {
    return out
  }
  for (const fd of fds) {
    let info: string
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8')
    } catch {
      continue
    }
    if (!info.includes('prog_type:')) continue
    const num = (key: string) => Number(new RegExp(`^${key}:\\s*(\\d+)`, 'm').exec(info)?.[1] ?? 0)
    out.set(fd, { runTimeNs: num('run_time_ns'), runs: num('run_cnt') })
  }
  return out
}

/** BPF time per traced call: all programs' time over the runs of the busiest one (one per call). */
export function nsPerCall(stats: ReadonlyMap<string, ProgramStats>): number | undefined {
  const all = [...stats.values()]
  const calls = Math.max(0, ...all.map((s) => s.runs))
  return calls > 0 ? all.reduce((t, s) => t + s.runTimeNs, 0) / calls : undefined
}
