/**
 * The goprobe program of the expression fuzz, written with the public API only: at the entry
 * of each ops_<type> function, every expression of the Go program computed from the
 * arguments, printed in the Go program's line format.
 */
import { arg, map, printf, program, uprobe, when, type Expr, type ProgramDefinition } from '../../../src/index.ts'
import { functionName } from './go-source.ts'
import { BINARY, constantOps, DIVISION, INT_TYPES, isSigned, SHIFTS, type IntTypeName } from './model.ts'

type Method = 'add' | 'sub' | 'mul' | 'div' | 'mod' | 'band' | 'bor' | 'shl' | 'shr' | 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne'
const apply = (a: Expr, method: Method, b: Expr | number): Expr => a[method](b)

export function exprProbe(types: readonly IntTypeName[] = INT_TYPES): ProgramDefinition {
  return program(import.meta, { name: 'expr-fuzz', description: 'Go integer expressions computed from the arguments of the fuzz functions' }, () => {
    uprobe('main.elem').onEntry(() => printf('elem %d v=%d\n', arg('n'), arg('xs').index(arg('i'))))
    for (const t of types) {
      uprobe(functionName(t)).onEntry(() => {
        const n = arg('n')
        const a = arg('a')
        const b = arg('b')
        const s = arg('s')
        const line = (label: string, v: Expr) => printf(`${t} %d ${label}=%d\n`, n, v)
        for (const [label, , method] of BINARY) line(label, apply(a, method, b))
        when(b.ne(0), () => {
          for (const [label, , method] of DIVISION) line(label, apply(a, method, b))
        })
        for (const [label, , method] of SHIFTS) line(label, apply(a, method, s))
        for (const [label, , method, c] of constantOps(t)) line(label, apply(a, method as Method, c))
        line('neg', a.neg())
        // Printed by bpftrace at exit: a signed total, negative when the operands sum below zero.
        if (isSigned(t)) map(`sum_${t}`).at().sum(a)
      })
    }
  })
}
