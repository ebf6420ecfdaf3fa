/**
 * goprobe's own error types. Every failure caused by input (a bad binary, an unknown
 * symbol, a wrong probe) is one of these, so the CLI can print one line and exit 2
 * instead of a stack trace; anything else is a bug in goprobe.
 */
export class GoprobeError extends Error {
  override name = 'GoprobeError'
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 2
}

/** The file is not a readable ELF64 x86-64 file, or its structure is inconsistent. */
export class BinaryFormatError extends GoprobeError {
  override name = 'BinaryFormatError'
  constructor(
    message: string,
    /** File offset where the problem was found, when known. */
    readonly offset?: number,
  ) {
    super(offset === undefined ? message : `${message} (at file offset 0x${offset.toString(16)})`)
  }
}

/** A well-formed ELF file that is not a Go program (or whose Go metadata is missing). */
export class NotGoBinaryError extends GoprobeError {
  override name = 'NotGoBinaryError'
}

/** Malformed DWARF data. */
export class DwarfFormatError extends GoprobeError {
  override name = 'DwarfFormatError'
  constructor(message: string, readonly section?: string, readonly offset?: number) {
    super(
      section === undefined
        ? message
        : `${message} (${section}${offset === undefined ? '' : ` at 0x${offset.toString(16)}`})`,
    )
  }
}

/** A name (function, type, field, parameter) that the binary does not have. */
export class UnknownNameError extends GoprobeError {
  override name = 'UnknownNameError'
  constructor(
    readonly what: string,
    readonly requested: string,
    readonly suggestions: readonly string[] = [],
  ) {
    super(
      `unknown ${what} ${JSON.stringify(requested)}` +
        (suggestions.length ? `; did you mean ${suggestions.map((s) => JSON.stringify(s)).join(', ')}?` : ''),
    )
  }
}

/** A request that is well-formed but cannot be satisfied (float in an XMM register, ...). */
export class UnsupportedError extends GoprobeError {
  override name = 'UnsupportedError'
}

/** Bad command-line usage or probe parameters. */
export class UsageError extends GoprobeError {
  override name = 'UsageError'
}

/**
 * A mistake in the user's own probe module (a syntax error, an undefined name, an exception
 * its code threw), reported at the place in their file: `probe.ts:4:5: message`.
 */
export class SourceError extends GoprobeError {
  override name = 'SourceError'
  constructor(readonly file: string, readonly line: number | undefined, readonly column: number | undefined, readonly detail: string) {
    super(`${file}${line === undefined ? '' : `:${line}${column === undefined ? '' : `:${column}`}`}: ${detail}`)
  }
}
