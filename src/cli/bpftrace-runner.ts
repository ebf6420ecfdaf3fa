import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { release, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { UprobeAddress, UprobeSymbol } from '../bpftrace/ast.ts'
import type { Requirements } from '../bpftrace/printer.ts'
import { UsageError } from '../errors.ts'
import type { Target } from '../target.ts'
import { symbolizerFor } from './symbolize.ts'
import { LineSplitter } from './line-splitter.ts'
import { BpftraceOutputFilter, NOTIFY_ATTACHED, type OutputLine, type Stream } from './output-filter.ts'
import { commandInCgroup, commandProgram } from './traced-command.ts'

export interface RunOptions {
  readonly bpftrace: string
  readonly text: string
  readonly requirements: Requirements
  /** Command to start and trace (`-c`). */
  readonly command?: string
  /**
   * goprobe starts `command` itself in this cgroup v2 directory once every probe is attached
   * (the program filters on the cgroup), and stops bpftrace when it exits. Without it,
   * bpftrace starts the command with `-c`.
   */
  readonly cgroup?: string
  /** Process to trace (`-p`). */
  readonly pid?: number
  /** Probes goprobe placed inside functions (bpftrace warns about each when it cannot check them). */
  readonly midFunctionSites?: readonly (UprobeAddress | UprobeSymbol)[]
  /** The line the program's END prints last (BuildOptions.exitMarker). */
  readonly exitMarker?: string
  /** The traced binary: code addresses in the output are named from its pclntab. */
  readonly target?: Target
  /** bpftrace's output buffer, in pages (BPFTRACE_PERF_RB_PAGES); default DEFAULT_PERF_PAGES. */
  readonly perfPages?: number
}

/**
 * Pages of bpftrace's output buffer: per CPU for the perf buffers of bpftrace < 0.22, in all
 * for the ring buffer of later versions. bpftrace's own default of 64 drops events at a few
 * thousand per second; 256 (1 MiB) keeps up with a busy server and stays small.
 */
export const DEFAULT_PERF_PAGES = 256

/** Signals that stop a run: each becomes a SIGINT to bpftrace, which prints its maps and detaches. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/** The exit marker `goprobe run` builds its programs with. */
export const EXIT_MARKER = '__goprobe_end_of_program_output__'

/**
 * Run a generated program under bpftrace with the flags and environment it needs, filtering
 * bpftrace's noise out of its output line by line, and returning bpftrace's exit status.
 *
 * A stop (Ctrl-C, SIGTERM or SIGHUP to goprobe, or the end of the process that started
 * goprobe) becomes SIGINT to bpftrace, on which it prints its maps and detaches. If goprobe is killed outright, bpftrace gets SIGKILL from the kernel
 * (a parent-death signal set by setpriv), and no file stays behind: bpftrace reads the program
 * from an already deleted file goprobe hands it as descriptor 3.
 */
export async function runBpftrace(o: RunOptions): Promise<number> {
  if (process.getuid?.() !== 0) process.stderr.write('goprobe: warning: bpftrace needs root (or CAP_BPF and CAP_PERFMON); this will probably fail\n')
  // bpftrace runs under setpriv, which would report a missing bpftrace in its own words.
  if (!commandProgram(o.bpftrace, process.env.PATH ?? '')) throw bpftraceMissing(o.bpftrace)
  const programFd = deletedFileWith(o.text)
  const bySelf = o.cgroup !== undefined && o.command !== undefined
  const args = [...(o.requirements.unsafe ? ['--unsafe'] : []), ...(o.command && !bySelf ? ['-c', o.command] : []), ...(o.pid ? ['-p', String(o.pid)] : []), '/proc/self/fd/3']
  const memlock = memlockPlan()
  const perfPages = String(o.perfPages ?? DEFAULT_PERF_PAGES)
  const env = { ...process.env, ...o.requirements.env, BPFTRACE_PERF_RB_PAGES: perfPages, [NOTIFY_ATTACHED]: '1' }
  const filter = new BpftraceOutputFilter({
    verifiedSites: new Set((o.midFunctionSites ?? []).flatMap((site) => bpftraceSiteNames(site, o.target))),
    probeSites: o.midFunctionSites?.length ?? 0,
    memlockNote: memlock.note,
    setsBothStrlenVariables: 'BPFTRACE_STRLEN' in o.requirements.env && 'BPFTRACE_MAX_STRLEN' in o.requirements.env,
    exitMarker: o.exitMarker,
    perfPages: o.perfPages ?? DEFAULT_PERF_PAGES,
  })
  const argv = [...parentDeathPrefix(), ...memlock.prefix, o.bpftrace, ...args]
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['inherit', 'pipe', 'pipe', programFd], env })
  closeSync(programFd)
  const symbolizer = o.target && symbolizerFor(o.target, () => tracedPids(o))
  let command: ChildProcess | undefined
  const startCommand = () => {
    if (!bySelf || command) return
    const argv = commandInCgroup(o.command!, o.cgroup!)
    command = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit' })
    // The command is done: bpftrace runs END, prints the maps and exits, as with its own -c.
    command.on('exit', () => child.kill('SIGINT'))
    command.on('error', () => child.kill('SIGINT'))
  }
  const emit = (lines: readonly OutputLine[]) => {
    for (const l of lines) {
      if (l.stream === 'stderr') process.stderr.write(`${l.text}\n`)
      else for (const text of symbolizer ? symbolizer.line(l.text) : [l.text]) process.stdout.write(`${text}\n`)
    }
  }
  const splitter = (stream: Stream) => new LineSplitter((line) => {
    const r = filter.line(stream, line)
    emit(r.lines)
    if (r.attached) startCommand()
  })
  const out = splitter('stdout')
  const err = splitter('stderr')
  child.stdout?.setEncoding('utf8').on('data', (s: string) => out.write(s))
  child.stderr?.setEncoding('utf8').on('data', (s: string) => err.write(s))
  // Ctrl-C reaches bpftrace too (the terminal signals the whole group); a second SIGINT is harmless.
  const stop = () => {
    child.kill('SIGINT')
  }
  for (const s of STOP_SIGNALS) process.on(s, stop)
  // `npx goprobe` and npm scripts run goprobe under `sh -c`; on SIGTERM npm ends that shell, on
  // SIGHUP or SIGKILL npm dies alone, and neither passes the signal on. goprobe stops as if
  // signalled when its parent, or the parent of a `sh -c` parent, is gone.
  const watched = watchedAncestors()
  const orphaned = setInterval(() => {
    if (watched.some((a) => parentOf(a.pid) !== a.parent)) stop()
  }, 500)
  orphaned.unref()
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on('error', (e: NodeJS.ErrnoException) =>
        reject(e.code === 'ENOENT' ? bpftraceMissing(o.bpftrace) : new UsageError(`cannot run ${o.bpftrace}: ${e.message}`)),
      )
      // 'close': the process has exited and its output has been read to the end.
      child.on('close', (code, signal) => {
        out.end()
        err.end()
        emit(filter.finish())
        resolve(code ?? (signal ? 128 + 2 : 1))
      })
    })
  } finally {
    // bpftrace is gone (an error, Ctrl-C): like bpftrace's own -c, do not leave the command running.
    if (command && command.exitCode === null && command.signalCode === null) command.kill('SIGTERM')
    for (const s of STOP_SIGNALS) process.off(s, stop)
    clearInterval(orphaned)
  }
}

interface Ancestor {
  readonly pid: number
  readonly parent: number | undefined
}

/** goprobe itself and, when its parent is a `sh -c` (npm's), that shell too, each with its parent now. */
function watchedAncestors(): Ancestor[] {
  const self = { pid: process.pid, parent: process.ppid }
  const cmdline = readProcText(`/proc/${process.ppid}/cmdline`)?.split('\0') ?? []
  const viaShell = /(^|\/)(sh|bash|dash)$/.test(cmdline[0] ?? '') && cmdline[1] === '-c'
  return viaShell ? [self, { pid: process.ppid, parent: parentOf(process.ppid) }] : [self]
}

/** The parent of a process (from /proc/PID/stat), undefined once it is gone. */
function parentOf(pid: number): number | undefined {
  const stat = readProcText(`/proc/${pid}/stat`)
  // `pid (comm) state ppid ...`: comm may hold spaces and parentheses, so split after the last ')'.
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ')
  return fields ? Number(fields[1]) : undefined
}

function readProcText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

function bpftraceMissing(bpftrace: string): UsageError {
  return new UsageError(`bpftrace not found at ${bpftrace} (install it, or pass --bpftrace PATH; see goprobe doctor)`)
}

/**
 * A read-only descriptor of a file holding `text` that no longer has a name, so nothing is
 * left to clean up whatever becomes of goprobe.
 */
function deletedFileWith(text: string): number {
  const path = join(tmpdir(), `goprobe-${process.pid}-${Date.now()}.bt`)
  writeFileSync(path, text, { mode: 0o600 })
  try {
    return openSync(path, 'r')
  } finally {
    unlinkSync(path)
  }
}

/**
 * `setpriv --pdeathsig KILL`: the kernel kills bpftrace when goprobe dies, even by SIGKILL,
 * so its probes never outlive the run. Node cannot set the signal on a child itself; without
 * setpriv (util-linux) goprobe warns once and runs bpftrace as it is.
 */
function parentDeathPrefix(): string[] {
  const probe = spawnSync('setpriv', ['--pdeathsig', 'KILL', 'true'], { stdio: 'ignore' })
  if (probe.status === 0) return ['setpriv', '--pdeathsig', 'KILL', '--']
  process.stderr.write('goprobe: warning: setpriv (util-linux) not found: if goprobe is killed with SIGKILL, bpftrace keeps tracing until stopped\n')
  return []
}

/** Processes that may run the traced binary: the -p pid, those in the command's cgroup, else every process. */
function tracedPids(o: RunOptions): number[] {
  if (o.pid) return [o.pid]
  try {
    const names = o.cgroup ? readFileSync(join(o.cgroup, 'cgroup.procs'), 'utf8').split('\n') : readdirSync('/proc')
    return names.filter((p) => /^\d+$/.test(p)).map(Number)
  } catch {
    return []
  }
}

/**
 * A probe site as bpftrace names it in its warnings: `PATH:OFFSET` (decimal) for an address in
 * no symbol, `PATH:SYMBOL+OFFSET` for a symbol's, and for a link address inside a symbol
 * (which bpftrace resolves to that symbol) both.
 */
export function bpftraceSiteNames(site: UprobeAddress | UprobeSymbol, target?: Target): string[] {
  if (site.kind === 'UprobeSymbol') return [`${site.path}:${site.symbol}+${site.offset}`]
  const fn = site.meaning === 'linkAddress' ? target?.binary.functions.containing(Number(site.address)) : undefined
  const names = fn ? [fn.name, ...fn.aliases].map((n) => `${site.path}:${n}+${Number(site.address) - fn.entry}`) : []
  return [`${site.path}:${site.address}`, ...names]
}

interface MemlockPlan {
  /** Command words to run bpftrace under (`prlimit --memlock=unlimited`), or none. */
  readonly prefix: readonly string[]
  /** What to say about bpftrace's failure to raise the limit; undefined when it does not matter. */
  readonly note: string | undefined
}

/**
 * bpftrace raises RLIMIT_MEMLOCK to unlimited itself and complains when it may not. Before
 * Linux 5.11 BPF maps were charged against that limit, so a low one can stop programs from
 * loading; later kernels charge the memory cgroup and the limit does not matter.
 */
function memlockPlan(): MemlockPlan {
  const limits = readLimits()
  if (limits === 'unlimited') return { prefix: [], note: undefined }
  // Raising the hard limit needs CAP_SYS_RESOURCE: try it once before relying on it.
  const probe = spawnSync('prlimit', ['--memlock=unlimited', 'true'], { stdio: 'ignore' })
  if (probe.status === 0) return { prefix: ['prlimit', '--memlock=unlimited'], note: undefined }
  if (kernelAtLeast(5, 11)) return { prefix: [], note: undefined }
  const now = limits === undefined ? '' : ` (now ${limits})`
  return {
    prefix: [],
    note: `the locked-memory limit${now} could not be raised, and this kernel charges BPF maps against it: if bpftrace fails to load the program, run goprobe after 'ulimit -l unlimited' as root`,
  }
}

/** The soft RLIMIT_MEMLOCK of this process as /proc/self/limits shows it ('unlimited' or bytes). */
function readLimits(): string | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max locked memory'))
    const soft = line?.slice('Max locked memory'.length).trim().split(/\s+/)[0]
    return soft === undefined ? undefined : soft === 'unlimited' ? soft : `${soft} bytes`
  } catch {
    return undefined
  }
}

function kernelAtLeast(major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release())
  if (!m) return false
  const [a, b] = [Number(m[1]), Number(m[2])]
  return a > major || (a === major && b >= minor)
}
