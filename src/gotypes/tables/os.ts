import type { TypeDeclaration } from './declaration.ts'

/**
 * os.File (types.go) and os.file (file_unix.go) with internal/poll.FD (fd_unix.go).
 * 1.21 moved FD.iovecs into an embedded SysFile, 1.23 made file.dirinfo an
 * atomic.Pointer, 1.26 added file.inRoot.
 */
const FD_FLAGS = 'csema uint32; isBlocking uint32; IsStream bool; ZeroReadIsEOF bool; isFile bool'
const FILE_FLAGS = 'nonblock bool; stdoutOrErr bool; appendMode bool'

export const osDeclarations: readonly TypeDeclaration[] = [
  { name: 'os.File', go: [19, 27], text: 'struct { *os.file }' },
  { name: 'internal/poll.fdMutex', go: [19, 27], text: 'struct { state uint64; rsema uint32; wsema uint32 }' },
  { name: 'internal/poll.pollDesc', go: [19, 27], text: 'struct { runtimeCtx uintptr }' },
  { name: 'internal/poll.SysFile', go: [21, 27], text: 'struct { iovecs unsafe.Pointer }' },
  { name: 'internal/poll.FD', go: [19, 20], text: `struct { fdmu internal/poll.fdMutex; Sysfd int; pd internal/poll.pollDesc; iovecs unsafe.Pointer; ${FD_FLAGS} }` },
  { name: 'internal/poll.FD', go: [21, 27], text: `struct { fdmu internal/poll.fdMutex; Sysfd int; internal/poll.SysFile; pd internal/poll.pollDesc; ${FD_FLAGS} }` },
  { name: 'sync/atomic.Pointer[os.dirInfo]', go: [23, 27], text: 'struct { _ [0]unsafe.Pointer; _ sync/atomic.noCopy; v unsafe.Pointer }' },
  { name: 'os.file', go: [19, 22], text: `struct { pfd internal/poll.FD; name string; dirinfo unsafe.Pointer; ${FILE_FLAGS} }` },
  { name: 'os.file', go: [23, 25], text: `struct { pfd internal/poll.FD; name string; dirinfo sync/atomic.Pointer[os.dirInfo]; ${FILE_FLAGS} }` },
  { name: 'os.file', go: [26, 27], text: `struct { pfd internal/poll.FD; name string; dirinfo sync/atomic.Pointer[os.dirInfo]; ${FILE_FLAGS}; inRoot bool }` },
]
