// Calls per function for every function whose name matches a regular expression,
// counted at each function's entry (after the stack-check prologue, so a stack growth
// does not count twice). Printed at exit, and every `interval` seconds when given.
import { functions, interval, map, probedFunction, program, uprobe, v } from '../src/index.ts'

export default program(import.meta, {
  name: 'funccount',
  description: 'calls per function for the functions matching a regular expression',
  params: v.object({
    pattern: v.pipe(v.string(), v.minLength(1), v.check((s) => { try { new RegExp(s); return true } catch { return false } }, 'must be a valid regular expression'),
      v.description('a regular expression (JavaScript syntax) matched against each full function name, e.g. ^main\\.')),
    interval: v.optional(v.pipe(v.string(), v.transform(Number), v.integer(), v.minValue(1), v.description('also print the counts every N seconds (counts keep adding up)'))),
  }),
  examples: ['pattern=^main\\.', 'pattern=^net/http\\..*ServeHTTP$ interval=5'],
}, (params) => {
  const calls = map('calls')
  uprobe(functions(params.pattern)).onEntry(() => calls.at(probedFunction()).count())
  if (params.interval !== undefined) interval(params.interval, () => calls.print())
})
