/**
 * The check `goprobe run -p PID` makes before anything is attached: the process runs the very
 * build the program was compiled for. A probe at an address computed for another build can land
 * inside an instruction, and the breakpoint then kills the service with SIGILL.
 */
import { readlinkSync, statSync } from 'node:fs'
import { GoBinary } from '../binary/go-binary.ts'
import { UsageError } from '../errors.ts'

/** The build id goprobe compares builds by: the Go one, else the GNU one (as Target.buildId). */
export function buildIdOf(path: string): string {
  const binary = GoBinary.open(path)
  try {
    const ids = binary.buildIds
    return ids.go ?? ids.gnu ?? 'none'
  } finally {
    binary.close()
  }
}

/**
 * The path to attach through to trace process `pid`, which must run `binary` (build id
 * `buildId`): `binary` itself, or `/proc/PID/exe` when the file at that path was replaced (by
 * an identical build) after the process started, since uprobes follow the file, not the name.
 */
export function pathForProcess(pid: number, binary: string, buildId: string): string {
  const exe = `/proc/${pid}/exe`
  let running: { dev: number; ino: number }
  try {
    running = statSync(exe)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new UsageError(code === 'ENOENT' ? `-p ${pid}: no such process` : `-p ${pid}: cannot read ${exe} (${code ?? (e as Error).message})`)
  }
  const name = readlinkSync(exe)
  let runningId: string
  try {
    runningId = buildIdOf(exe)
  } catch {
    throw new UsageError(`-p ${pid}: the process runs ${name}, which is not a Go program`)
  }
  if (runningId !== buildId) {
    throw new UsageError(`-p ${pid}: the process runs another build (${name}, build id ${runningId}) than the program is for (${binary}, build id ${buildId}); nothing was attached`)
  }
  const onDisk = statSync(binary, { throwIfNoEntry: false })
  return onDisk && onDisk.dev === running.dev && onDisk.ino === running.ino ? binary : exe
}
