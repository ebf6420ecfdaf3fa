import type { TypeDeclaration } from './declaration.ts'

/**
 * sync, sync/atomic, internal/sync and time types other declarations hold by value.
 * 1.20 made RWMutex's counters atomic.Int32, 1.22 made Once.done an atomic.Uint32,
 * 1.24 moved Mutex's state into internal/sync and gave Once a noCopy, 1.25 made
 * Once.done an atomic.Bool. The atomic types (new in 1.19) are declared from 1.20, where
 * the declarations here start using them.
 */
export const syncDeclarations: readonly TypeDeclaration[] = [
  { name: 'sync/atomic.noCopy', go: [20, 27], text: 'struct {}' },
  { name: 'sync/atomic.align64', go: [20, 27], text: 'struct {}' },
  { name: 'sync/atomic.Bool', go: [20, 27], text: 'struct { _ sync/atomic.noCopy; v uint32 }' },
  { name: 'sync/atomic.Int32', go: [20, 27], text: 'struct { _ sync/atomic.noCopy; v int32 }' },
  { name: 'sync/atomic.Uint32', go: [20, 27], text: 'struct { _ sync/atomic.noCopy; v uint32 }' },
  { name: 'sync/atomic.Int64', go: [20, 27], text: 'struct { _ sync/atomic.noCopy; _ sync/atomic.align64; v int64 }' },
  { name: 'sync/atomic.Uint64', go: [20, 27], text: 'struct { _ sync/atomic.noCopy; _ sync/atomic.align64; v uint64 }' },
  { name: 'sync.noCopy', go: [24, 27], text: 'struct {}' },
  { name: 'internal/sync.Mutex', go: [24, 27], text: 'struct { state int32; sema uint32 }' },
  { name: 'sync.Mutex', go: [19, 23], text: 'struct { state int32; sema uint32 }' },
  { name: 'sync.Mutex', go: [24, 27], text: 'struct { _ sync.noCopy; mu internal/sync.Mutex }' },
  { name: 'sync.RWMutex', go: [19, 19], text: 'struct { w sync.Mutex; writerSem uint32; readerSem uint32; readerCount int32; readerWait int32 }' },
  { name: 'sync.RWMutex', go: [20, 27], text: 'struct { w sync.Mutex; writerSem uint32; readerSem uint32; readerCount sync/atomic.Int32; readerWait sync/atomic.Int32 }' },
  { name: 'sync.Once', go: [19, 21], text: 'struct { done uint32; m sync.Mutex }' },
  { name: 'sync.Once', go: [22, 23], text: 'struct { done sync/atomic.Uint32; m sync.Mutex }' },
  { name: 'sync.Once', go: [24, 24], text: 'struct { _ sync.noCopy; done sync/atomic.Uint32; m sync.Mutex }' },
  { name: 'sync.Once', go: [25, 27], text: 'struct { _ sync.noCopy; done sync/atomic.Bool; m sync.Mutex }' },
  { name: 'time.Duration', go: [19, 27], text: 'int64' },
  { name: 'time.Time', go: [19, 27], text: 'struct { wall uint64; ext int64; loc unsafe.Pointer }' },
]
