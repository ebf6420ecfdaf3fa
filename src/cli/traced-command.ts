/**
 * How `goprobe run -c CMD` traces the binary wherever CMD runs it (through a shell, `timeout`,
 * a wrapper script): goprobe starts CMD itself inside a new cgroup v2 directory, and the
 * program's process filter is that cgroup instead of bpftrace's own child pid. Without a
 * writable cgroup v2 hierarchy, only a command that starts the binary itself can be traced
 * (bpftrace's `-c`, filtered by `cpid`); any other is refused with the reason.
 */
import { accessSync, constants, mkdirSync, readFileSync, realpathSync, rmdirSync } from 'node:fs'
import { delimiter, isAbsolute, join } from 'node:path'
import { UsageError } from '../errors.ts'

export type CommandTracing =
  /** goprobe starts the command in this cgroup directory; the program filters on it. */
  | { readonly kind: 'cgroup'; readonly directory: string }
  /** bpftrace starts the command with -c; the program filters on `cpid`. */
  | { readonly kind: 'child' }

/** The mount point of the cgroup v2 hierarchy in /proc/self/mountinfo text, if there is one. */
export function cgroup2Mount(mountinfo: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    // `id parent major:minor root mountpoint options [optional fields] - fstype source superoptions`
    const [left, right] = line.split(' - ')
    if (!left || !right || right.split(' ')[0] !== 'cgroup2') continue
    const mountPoint = left.split(' ')[4]
    if (mountPoint) return mountPoint.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
  }
  return undefined
}

/**
 * The program the command's first word names, resolved as a shell would (a path, or a name
 * looked up in PATH); undefined when it names nothing executable.
 */
export function commandProgram(command: string, path: string): string | undefined {
  const first = command.trim().split(/\s+/)[0]
  if (!first) return undefined
  const candidates = first.includes('/') ? [first] : path.split(delimiter).filter(isAbsolute).map((d) => join(d, first))
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK)
      return realpathSync(c)
    } catch {
      // Not this one.
    }
  }
  return undefined
}

/**
 * Decide how to trace `command`, creating the cgroup directory when that is the way.
 * `mountinfo` is /proc/self/mountinfo's text (read when not given).
 */
export function planCommandTracing(command: string, binary: string, mountinfo?: string): CommandTracing {
  const why = cgroupUnavailableReason(mountinfo)
  if (typeof why !== 'string') return why
  if (commandProgram(command, process.env.PATH ?? '') === realpathSync(binary)) return { kind: 'child' }
  throw new UsageError(
    `-c: cannot trace ${binary} when the command starts it through another program (${JSON.stringify(command.trim().split(/\s+/)[0])}): ` +
    `that needs a cgroup v2 directory goprobe can create, and ${why}. ` +
    'Start the binary itself with -c, or start the command yourself and pass the binary\'s pid with -p',
  )
}

/** A new cgroup directory for this run, or why there is none. */
function cgroupUnavailableReason(mountinfo?: string): CommandTracing | string {
  try {
    mountinfo ??= readFileSync('/proc/self/mountinfo', 'utf8')
  } catch (e) {
    return `/proc/self/mountinfo cannot be read (${(e as Error).message})`
  }
  const mount = cgroup2Mount(mountinfo)
  if (!mount) return 'no cgroup v2 hierarchy is mounted'
  const directory = join(mount, `goprobe-${process.pid}`)
  try {
    mkdirSync(directory)
  } catch (e) {
    return `${directory} cannot be created (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`
  }
  return { kind: 'cgroup', directory }
}

/** Remove the run's cgroup directory; a message when processes the command left behind still hold it. */
export function removeCgroup(directory: string): string | undefined {
  try {
    rmdirSync(directory)
    return undefined
  } catch (e) {
    return `${directory} is left in place: ${(e as NodeJS.ErrnoException).code === 'EBUSY' ? 'processes started by the command still run in it' : (e as Error).message}`
  }
}

/**
 * argv that starts `command` (as `sh -c` would) after moving the shell into the cgroup, so
 * every process the command starts is inside it from its first instruction.
 */
export function commandInCgroup(command: string, directory: string): string[] {
  return ['/bin/sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec /bin/sh -c "$1"', directory, command]
}
