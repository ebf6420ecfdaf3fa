// The filter over bpftrace's real output: the lines below were captured from `bpftrace --unsafe
// -c 'demo 2' orders.bt` runs of the demo probe (examples/demo/orders.ts) with Debian 12's 0.17.0,
// Debian 13's 0.23.2 and Debian unstable's 0.27.1 on this project's CI machine.
import { describe, expect, it } from 'vitest'
import { uprobeAddress, uprobeSymbol } from '../../src/bpftrace/ast.ts'
import { bpftraceSiteNames } from '../../src/cli/bpftrace-runner.ts'
import { LineSplitter } from '../../src/cli/line-splitter.ts'
import { BpftraceOutputFilter, NOTIFY_ATTACHED, type FilterContext, type OutputLine, type Stream } from '../../src/cli/output-filter.ts'

const DEMO = '/root/.cache/goprobe/demo/0b8d571061d5/demo'
// The program's three probes inside main.handleOrder, as goprobe printed them (hex file offsets).
const SITES = [uprobeAddress(DEMO, 0x261646n), uprobeAddress(DEMO, 0x261688n), uprobeAddress(DEMO, 0x26169an)]
const MARKER = '__end_marker__'

const context = (over: Partial<FilterContext> = {}): FilterContext => ({
  verifiedSites: new Set(SITES.flatMap((s) => bpftraceSiteNames(s))),
  probeSites: SITES.length,
  memlockNote: undefined,
  setsBothStrlenVariables: true,
  exitMarker: MARKER,
  perfPages: 64,
  ...over,
})

function run(ctx: FilterContext, input: readonly [Stream, string][]): { lines: OutputLine[]; attachedAt: number[] } {
  const f = new BpftraceOutputFilter(ctx)
  const lines: OutputLine[] = []
  const attachedAt: number[] = []
  input.forEach(([stream, text], i) => {
    const r = f.line(stream, text)
    lines.push(...r.lines)
    if (r.attached) attachedAt.push(i)
  })
  return { lines, attachedAt }
}

const boundary = (offset: number) => `WARNING: Could not determine instruction boundary for uprobe:${DEMO}:${offset} (binary appears stripped). Misaligned probes can lead to tracee crashes!`
const MEMLOCK_017 = 'ERROR: Unknown error -1: couldn\'t set RLIMIT_MEMLOCK for bpftrace. If your program is not loading, you can try "ulimit -l 8192" to fix the problem'
const MEMLOCK_023 = 'WARNING: Unknown error -1: couldn\'t set RLIMIT_MEMLOCK for bpftrace. If your program is not loading, you can try "ulimit -l 8192" to fix the problem'
const FILTER_FUNCTIONS_027 = 'WARNING: Could not read functions from /sys/kernel/debug/tracing/available_filter_functions. If this is expected, use --traceable-functions to set this path manually. This file is needed in order to determine which functions can safely be traced without causing issues in the kernel.'
const STRLEN_023 = 'WARNING: BPFTRACE_STRLEN is deprecated. Use BPFTRACE_MAX_STRLEN instead.'

const err = (t: string): [Stream, string] => ['stderr', t]
const out = (t: string): [Stream, string] => ['stdout', t]

describe('bpftrace output filter', () => {
  it('names sites as bpftrace does in its warnings (decimal file offsets)', () => {
    expect(SITES.flatMap((s) => bpftraceSiteNames(s))).toEqual([`${DEMO}:2496070`, `${DEMO}:2496136`, `${DEMO}:2496154`])
    expect(bpftraceSiteNames(uprobeSymbol('/bin/x', 'main.f', 0x12n))).toEqual(['/bin/x:main.f+18'])
  })

  it('0.17: the start-up noise becomes one note for the checked sites and one when tracing starts', () => {
    const r = run(context(), [
      err(MEMLOCK_017), err(boundary(2496154)), err(boundary(2496136)), err(boundary(2496070)),
      out('Attaching 4 probes...'), err(NOTIFY_ATTACHED), out('goroutine 1: handleOrder(customer=alice, qty=0)'),
    ])
    expect(r.lines).toEqual([
      { stream: 'stderr', text: 'goprobe: note: 3 probe sites inside functions that bpftrace cannot check here; goprobe placed each at an instruction boundary found by disassembly' },
      { stream: 'stderr', text: 'goprobe: note: tracing (4 probes); Ctrl-C stops' },
      { stream: 'stdout', text: 'goroutine 1: handleOrder(customer=alice, qty=0)' },
    ])
    expect(r.attachedAt).toEqual([5])
  })

  it('0.23 and 0.27: their wordings are recognised too (notify on stdout, Attached on stderr)', () => {
    const r023 = run(context(), [err(STRLEN_023), err(MEMLOCK_023), err(boundary(2496154)), out('Attaching 4 probes...'), out(NOTIFY_ATTACHED)])
    expect(r023.lines.map((l) => l.text)).toEqual([expect.stringContaining('3 probe sites'), 'goprobe: note: tracing (4 probes); Ctrl-C stops'])
    expect(r023.attachedAt).toEqual([4])
    const r027 = run(context(), [err(FILTER_FUNCTIONS_027), err(MEMLOCK_023), err(boundary(2496070)), err('Attached 4 probes'), out(NOTIFY_ATTACHED)])
    expect(r027.lines.map((l) => l.text)).toEqual([expect.stringContaining('3 probe sites'), 'goprobe: note: tracing (4 probes); Ctrl-C stops'])
  })

  it('says the memlock problem once in its own words when it matters', () => {
    const r = run(context({ memlockNote: 'raise it' }), [err(MEMLOCK_017), err(MEMLOCK_017)])
    expect(r.lines).toEqual([{ stream: 'stderr', text: 'goprobe: note: raise it' }])
  })

  it('passes through what it does not recognise exactly', () => {
    const unknownSite = boundary(2496155)
    const lines = [
      unknownSite,
      'WARNING: Unchecked uprobe: /bin/other:main.f+4',
      'ERROR: Could not resolve symbol: /bin/x:main.f',
      'orders-sid.bt:16:14-42: WARNING: Expression of type: uint64 being cast to type: int64. This may cause unexpected results. Use an explicit cast to suppress this warning.',
      `${MEMLOCK_017} `,
    ]
    const r = run(context(), lines.map(err))
    expect(r.lines).toEqual(lines.map((text) => ({ stream: 'stderr', text })))
    // goprobe set only one strlen variable: the deprecation is then news.
    expect(run(context({ setsBothStrlenVariables: false }), [err(STRLEN_023)]).lines).toEqual([{ stream: 'stderr', text: STRLEN_023 }])
  })

  it('keeps the program\'s own empty lines and Attaching-like text after tracing started', () => {
    const r = run(context(), [out(''), out('a'), out(''), out(''), err(NOTIFY_ATTACHED), out('Attaching 4 probes...')])
    expect(r.lines.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual(['', 'a', '', '', 'Attaching 4 probes...'])
  })

  it('0.17 at exit: the empty lines of cleared maps go, one empty line stays before each map', () => {
    // 0.17 prints "\n\n", then each map in turn followed by "\n"; three cleared maps came first.
    const exit017 = ['', '', '', '', '', '@latency_ns: ', '[8K, 16K)              3 |@@@@@@@@                                            |', '']
    const r = run(context(), [out('read 18 bytes'), out(MARKER), ...exit017.map(out)])
    expect(r.lines.map((l) => l.text)).toEqual(['read 18 bytes', '', '@latency_ns: ', exit017[6]])
  })

  it('several maps keep one empty line between them; an empty map between two leaves no trace', () => {
    const r = run(context(), [out(MARKER), ...['', '', '@a: 1', '', '', '@c[x]: 3', '@c[y]: 4', ''].map(out)])
    expect(r.lines.map((l) => l.text)).toEqual(['', '@a: 1', '', '@c[x]: 3', '@c[y]: 4'])
  })

  it('without the marker (bpftrace stopped before END) empty lines pass', () => {
    expect(run(context(), [out(''), out('')]).lines).toHaveLength(2)
  })
})

// bpftrace's TextOutput::lost_events writes `Lost N events`: to stdout up to 0.23
// (src/output.cpp), to stderr from 0.24 (src/output/text.cpp, unchanged through 0.26 and master).
describe('lost events', () => {
  for (const stream of ['stdout', 'stderr'] as const) {
    it(`are said live on stderr and summed at the end (${stream}, as bpftrace ${stream === 'stdout' ? '0.17-0.23' : '0.24+'} prints them)`, () => {
      const f = new BpftraceOutputFilter(context({ perfPages: 512 }))
      const lines = [...f.line('stdout', 'hit 1').lines, ...f.line(stream, 'Lost 289 events').lines, ...f.line(stream, 'Lost 1 events').lines,
        ...f.line(stream, 'Lost 18446744073709 events').lines, ...f.line('stdout', 'hit 2').lines]
      expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual(['hit 1', 'hit 2'])
      expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual([
        'goprobe: warning: bpftrace lost 289 events (its output buffer was full)',
        'goprobe: warning: bpftrace lost 1 event (its output buffer was full)',
        'goprobe: warning: bpftrace lost 18446744073709 events (its output buffer was full)',
      ])
      expect(f.finish()).toEqual([{ stream: 'stderr', text: "goprobe: warning: 18446744073999 events were lost in all: bpftrace's output buffer (512 pages) was full; a larger --perf-pages keeps more" }])
    })
  }

  it('nothing is said at the end when none were lost, and lines that only look alike pass', () => {
    const f = new BpftraceOutputFilter(context())
    const lines = ['Lost 3 events!', 'Lost events', ' Lost 3 events'].flatMap((t) => f.line('stdout', t).lines)
    expect(lines.map((l) => l.text)).toEqual(['Lost 3 events!', 'Lost events', ' Lost 3 events'])
    expect(f.finish()).toEqual([])
  })
})

describe('line splitter', () => {
  it('hands on whole lines as they complete, and a last partial line at the end', () => {
    const got: string[] = []
    const s = new LineSplitter((l) => got.push(l))
    s.write('ab')
    expect(got).toEqual([])
    s.write('c\n\nd')
    expect(got).toEqual(['abc', ''])
    s.write('e\nf')
    expect(got).toEqual(['abc', '', 'de'])
    s.end()
    expect(got).toEqual(['abc', '', 'de', 'f'])
    s.end()
    expect(got).toHaveLength(4)
  })
})
