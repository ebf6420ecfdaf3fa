/**
 * What bpftrace prints during `goprobe run`, line by line: the probe's output passes, and the
 * environment noise that goprobe recognises exactly is dropped or said once in goprobe's words.
 * Every line not recognised here passes through unchanged, so a real problem is never hidden.
 *
 * The texts are bpftrace's own (0.17, 0.23 and 0.27 print them; see the unit tests for the
 * captured outputs):
 *  - `ERROR:`/`WARNING: <strerror>: couldn't set RLIMIT_MEMLOCK for bpftrace. ...`
 *  - `WARNING: Could not determine instruction boundary for uprobe:PATH:OFFSET (binary appears
 *    stripped). Misaligned probes can lead to tracee crashes!` and `WARNING: Unchecked uprobe:
 *    PATH:SYMBOL+OFFSET`, once per probe inside a function
 *  - `WARNING: Could not read functions from .../available_filter_functions. ...` (0.27)
 *  - `WARNING: BPFTRACE_STRLEN is deprecated. Use BPFTRACE_MAX_STRLEN instead.` (0.20-0.23)
 *  - `Attaching N probes...` (stdout, before 0.24) and `Attached N probes` (stderr, 0.24+)
 *  - `__BPFTRACE_NOTIFY_PROBES_ATTACHED`: asked for by the runner, printed once every probe is attached
 *  - after END: two empty lines, then one empty line per map that END cleared.
 *  - `Lost N events` when the output buffer was full (stdout before 0.24, stderr since): said
 *    live in goprobe's words on stderr, and summed once at the end (finish()).
 */

export type Stream = 'stdout' | 'stderr'

export interface OutputLine {
  readonly stream: Stream
  readonly text: string
}

export interface FilterContext {
  /** Probe sites inside functions, as bpftrace may name them: `PATH:OFFSET` (decimal) or `PATH:SYMBOL+OFFSET`. */
  readonly verifiedSites: ReadonlySet<string>
  /** How many probe sites inside functions the program has. */
  readonly probeSites: number
  /** What to say instead of the RLIMIT_MEMLOCK message; undefined to drop it (the limit does not matter). */
  readonly memlockNote: string | undefined
  /** goprobe set BPFTRACE_STRLEN next to BPFTRACE_MAX_STRLEN on purpose (for older versions). */
  readonly setsBothStrlenVariables: boolean
  /** The line the program's END prints last (CompileOptions.exitMarker). */
  readonly exitMarker: string | undefined
  /** The size of bpftrace's output buffer in pages, named when events are lost. */
  readonly perfPages: number
}

export interface FilterResult {
  readonly lines: readonly OutputLine[]
  /** bpftrace said that every probe is attached. */
  readonly attached: boolean
}

export const NOTIFY_ATTACHED = '__BPFTRACE_NOTIFY_PROBES_ATTACHED'

const MEMLOCK = /^(?:ERROR|WARNING): .*: couldn't set RLIMIT_MEMLOCK for bpftrace\. If your program is not loading, you can try "ulimit -l \d+" to fix the problem$/
const STRIPPED_BOUNDARY = /^WARNING: Could not determine instruction boundary for uprobe:(.+) \(binary appears stripped\)\. Misaligned probes can lead to tracee crashes!$/
const UNCHECKED = /^WARNING: Unchecked uprobe ?: (.+)$/
const FILTER_FUNCTIONS = /^WARNING: Could not read functions from \S*\/available_filter_functions\. If this is expected, use --traceable-functions to set this path manually\. This file is needed in order to determine which functions can safely be traced without causing issues in the kernel\.$/
const STRLEN_DEPRECATED = 'WARNING: BPFTRACE_STRLEN is deprecated. Use BPFTRACE_MAX_STRLEN instead.'
const LOST = /^Lost (\d+) events$/
const ATTACHING = /^(?:Attaching (\d+) probes?\.\.\.|Attached (\d+) probes?)$/

export class BpftraceOutputFilter {
  private saidBoundaries = false
  private saidMemlock = false
  private probes: number | undefined
  private attached = false
  private afterEnd = false
  /** After END: the last line seen was not empty, so one empty line may separate it from the next map. */
  private previousNonEmpty = false
  private heldEmptyLine = false
  private lostEvents = 0

  constructor(private readonly context: FilterContext) {}

  line(stream: Stream, text: string): FilterResult {
    if (text === NOTIFY_ATTACHED && !this.attached) {
      this.attached = true
      const n = this.probes === undefined ? '' : ` (${this.probes} probe${this.probes === 1 ? '' : 's'})`
      return { lines: [note(`tracing${n}; Ctrl-C stops`)], attached: true }
    }
    const attaching = this.attached ? null : ATTACHING.exec(text)
    if (attaching) {
      this.probes = Number(attaching[1] ?? attaching[2])
      return nothing
    }
    const lost = LOST.exec(text)
    if (lost) {
      const n = Number(lost[1])
      this.lostEvents += n
      return { lines: [warning(`bpftrace lost ${n} event${n === 1 ? '' : 's'} (its output buffer was full)`)], attached: false }
    }
    if (stream === 'stderr') return { lines: this.stderrLine(text), attached: false }
    return { lines: this.stdoutLine(text), attached: false }
  }

  /** What to say once bpftrace has exited: the events lost in all, if any. */
  finish(): OutputLine[] {
    if (this.lostEvents === 0) return []
    const n = this.lostEvents
    return [warning(`${n} event${n === 1 ? ' was' : 's were'} lost in all: bpftrace's output buffer (${this.context.perfPages} pages) was full; a larger --perf-pages keeps more`)]
  }

  private stderrLine(text: string): OutputLine[] {
    if (MEMLOCK.test(text)) {
      if (this.saidMemlock || this.context.memlockNote === undefined) return []
      this.saidMemlock = true
      return [note(this.context.memlockNote)]
    }
    const site = STRIPPED_BOUNDARY.exec(text)?.[1] ?? UNCHECKED.exec(text)?.[1]
    if (site !== undefined && this.context.verifiedSites.has(site)) {
      if (this.saidBoundaries) return []
      this.saidBoundaries = true
      const n = this.context.probeSites
      return [note(`${n} probe site${n === 1 ? '' : 's'} inside functions that bpftrace cannot check here; goprobe placed each at an instruction boundary found by disassembly`)]
    }
    if (FILTER_FUNCTIONS.test(text)) return []
    if (text === STRLEN_DEPRECATED && this.context.setsBothStrlenVariables) return []
    return [{ stream: 'stderr', text }]
  }

  private stdoutLine(text: string): OutputLine[] {
    if (!this.afterEnd) {
      if (text !== this.context.exitMarker) return [{ stream: 'stdout', text }]
      // One empty line sets the maps apart from the live output above them.
      this.afterEnd = true
      this.heldEmptyLine = true
      return []
    }
    // After END bpftrace prints empty lines of its own, then each map followed by an empty line
    // (an emptied map is only that line): keep one empty line before each map, none after the last.
    if (text === '') {
      if (this.previousNonEmpty) this.heldEmptyLine = true
      this.previousNonEmpty = false
      return []
    }
    const out: OutputLine[] = this.heldEmptyLine ? [{ stream: 'stdout', text: '' }] : []
    this.heldEmptyLine = false
    this.previousNonEmpty = true
    out.push({ stream: 'stdout', text })
    return out
  }
}

const nothing: FilterResult = { lines: [], attached: false }

function warning(text: string): OutputLine {
  return { stream: 'stderr', text: `goprobe: warning: ${text}` }
}

function note(text: string): OutputLine {
  return { stream: 'stderr', text: `goprobe: note: ${text}` }
}
