/**
 * File I/O in package os: `func (f *File) Read(b []byte) (n int, err error)`, the same
 * in go1.19 through go1.26. The file's name is `f.file.name` (File embeds *file).
 */
import { goString, typedUprobe, type Expr, type GoInt } from '../src/index.ts'
import type { Functions } from './gotypes/std.ts'

// Typed with the standard library's declarations (stdlib/gotypes/std.ts).
const uprobe = typedUprobe<Functions>()

export interface FileRead {
  /** The name the file was opened with. */
  readonly name: Expr<string>
  /** len(b): bytes asked for. */
  readonly requested: Expr<number>
  /** Bytes read. */
  readonly n: Expr<GoInt<'int'>>
  /** True when Read returned a non-nil error (io.EOF included). */
  readonly failed: Expr<boolean>
}

const READ = 'os.(*File).Read' as const

/** Run `handler` when `(*os.File).Read` returns. */
export function onFileRead(handler: (read: FileRead) => void): void {
  uprobe(READ, { signatures: { [READ]: 'func (f *os.File) Read(b []byte) (n int, err error)' } }).onReturn(({ entry, result }) => {
    handler({
      name: goString(entry.receiver().field('file').field('name')),
      requested: entry.arg('b').len(),
      n: result('n'),
      failed: result('err').isNil().not(),
    })
  })
}
