import type { TypeDeclaration } from './declaration.ts'

/**
 * runtime.g up to goid (runtime/runtime2.go) and what it holds by value. 1.20 made
 * atomicstatus an atomic.Uint32 and goid a uint64, 1.23 added syscallbp and moved the
 * atomics to internal/runtime/atomic, 1.25 removed gobuf.ret.
 */
const G_HEAD = 'stack runtime.stack; stackguard0 uintptr; stackguard1 uintptr; _panic unsafe.Pointer; _defer unsafe.Pointer; m unsafe.Pointer; sched runtime.gobuf; syscallsp uintptr; syscallpc uintptr'
const G_TAIL = 'stktopsp uintptr; param unsafe.Pointer'

export const runtimeDeclarations: readonly TypeDeclaration[] = [
  { name: 'runtime.stack', go: [13, 27], text: 'struct { lo uintptr; hi uintptr }' },
  { name: 'runtime.guintptr', go: [13, 27], text: 'uintptr' },
  { name: 'runtime.gobuf', go: [13, 24], text: 'struct { sp uintptr; pc uintptr; g runtime.guintptr; ctxt unsafe.Pointer; ret uintptr; lr uintptr; bp uintptr }' },
  { name: 'runtime.gobuf', go: [25, 27], text: 'struct { sp uintptr; pc uintptr; g runtime.guintptr; ctxt unsafe.Pointer; lr uintptr; bp uintptr }' },
  { name: 'runtime/internal/atomic.noCopy', go: [20, 22], text: 'struct {}' },
  { name: 'runtime/internal/atomic.Uint32', go: [20, 22], text: 'struct { noCopy runtime/internal/atomic.noCopy; value uint32 }' },
  { name: 'internal/runtime/atomic.noCopy', go: [23, 27], text: 'struct {}' },
  { name: 'internal/runtime/atomic.Uint32', go: [23, 27], text: 'struct { noCopy internal/runtime/atomic.noCopy; value uint32 }' },
  { name: 'runtime.g', go: [13, 19], prefix: true, text: `struct { ${G_HEAD}; ${G_TAIL}; atomicstatus uint32; stackLock uint32; goid int64 }` },
  { name: 'runtime.g', go: [20, 22], prefix: true, text: `struct { ${G_HEAD}; ${G_TAIL}; atomicstatus runtime/internal/atomic.Uint32; stackLock uint32; goid uint64 }` },
  { name: 'runtime.g', go: [23, 27], prefix: true, text: `struct { ${G_HEAD}; syscallbp uintptr; ${G_TAIL}; atomicstatus internal/runtime/atomic.Uint32; stackLock uint32; goid uint64 }` },
]
