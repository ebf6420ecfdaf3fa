// probes/args.ts on `runtimeops args`: for each call of main.describe, every argument and
// result is printed with its name and Go type, and its value equals what the fixture
// recorded (the pointer as %p, the slice's len and cap, the struct's fields, the float
// field's IEEE-754 bits, the error's dynamic type); the float in XMM0 says it is unreadable.
import { expect } from 'vitest'
import args from '../../probes/args.ts'
import { describeE2E, itE2E } from '../support/bpftrace.ts'
import { caseLabel, checkCase, runtimeCases } from './runtime-harness.ts'

// Without DWARF a main package function's signature is unknown unless declared: the compiler says so.
const all = await runtimeCases({ returns: true, stripped: 'no-signature' })

/** The probe's `  name type = value` lines of one call, from its header to the next header. */
function calls(lines: string[], header: RegExp): Map<string, string>[] {
  const out: Map<string, string>[] = []
  let current: Map<string, string> | undefined
  for (const l of lines) {
    if (!l.startsWith(' ')) {
      current = header.test(l) ? new Map() : undefined
      if (current) out.push(current)
      continue
    }
    const m = /^ +(\S+) (.+?) = (.*)$/.exec(l)
    if (m && current) current.set(`${m[1]} ${m[2]}`, m[3]!)
  }
  return out
}

/** describe's signature as written in test/fixtures/go/runtimeops/args.go, for binaries without DWARF. */
const DESCRIBE_SIGNATURE = 'func(o *main.Order, item string, qty int32, tags []string, paid bool, copy main.Order, weight float64, reason error) (label string, total int64)'

describeE2E('args probe', () => {
  // The stripped builds again, now with describe's signature given as signature=: they must print what DWARF builds print.
  const withSignature = all.filter((c) => c.build.mode === 'stripped').map((c) => ({ ...c, expect: 'run' as const, signature: true }))
  for (const c of [...all, ...withSignature]) {
    const params: Record<string, string> = 'signature' in c ? { symbol: 'main.describe', signature: DESCRIBE_SIGNATURE } : { symbol: 'main.describe' }
    itE2E(`${caseLabel(c)}${'signature' in c ? ' (with signature=)' : ''}`, () => checkCase(c, args, 'args', params, ({ lines, record }) => {
      const entries = calls(lines, /^main\.describe called on goroutine \d+$/)
      const returns = calls(lines, /^main\.describe returned on goroutine \d+$/)
      expect(record).toHaveLength(2)
      expect(entries).toHaveLength(2)
      expect(returns).toHaveLength(2)
      record.forEach((r, i) => {
        const [, o, item, qty, len, cap, paid, id, copyItem, priceBits, copyPaid, reason, , label, total] = r.split(' ')
        expect(Object.fromEntries(entries[i]!)).toEqual({
          'o *main.Order': o,
          'item string': item,
          'qty int32': qty,
          'tags []string': `len ${len} cap ${cap}`,
          'paid bool': paid,
          'copy main.Order': '{',
          'copy.ID int64': id,
          'copy.Item string': copyItem,
          'copy.Price float64': `bits ${priceBits}`,
          'copy.Paid bool': copyPaid,
          'weight float64': '(in xmm0: not readable by uprobes)',
          'reason error': `dynamic type ${reason}`,
        })
        expect(Object.fromEntries(returns[i]!)).toEqual({ 'label string': label, 'total int64': total })
      })
    }), c.member)
  }
})
