import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { BinaryFormatError } from '../errors.ts'

/**
 * Random access to a file's bytes without loading it: binaries can be hundreds of MB
 * and most commands need a few sections of them.
 */
export class ByteSource {
  private constructor(
    private readonly fd: number,
    readonly size: number,
    readonly path: string,
  ) {}

  static open(path: string): ByteSource {
    let fd: number
    try {
      fd = openSync(path, 'r')
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      throw new BinaryFormatError(`cannot open ${path}: ${code === 'ENOENT' ? 'no such file' : code ?? String(e)}`)
    }
    const st = fstatSync(fd)
    if (!st.isFile()) {
      closeSync(fd)
      throw new BinaryFormatError(`${path} is not a regular file`)
    }
    return new ByteSource(fd, st.size, path)
  }

  /** Exactly `length` bytes at `offset`, or a BinaryFormatError naming the range when the file is shorter. */
  read(offset: number, length: number, what = 'data'): Uint8Array {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new BinaryFormatError(`truncated file: ${what} needs bytes ${offset}..${offset + length} but the file has ${this.size}`, offset)
    }
    const buf = new Uint8Array(length)
    let done = 0
    while (done < length) {
      const n = readSync(this.fd, buf, done, length - done, offset + done)
      if (n === 0) throw new BinaryFormatError(`unexpected end of file reading ${what}`, offset + done)
      done += n
    }
    return buf
  }

  close(): void {
    closeSync(this.fd)
  }
}
