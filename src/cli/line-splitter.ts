/**
 * Text arriving in chunks, handed on as whole lines the moment each is complete, so a filter
 * can work per line without delaying live output. A last line without a newline comes out at end().
 */
export class LineSplitter {
  private partial = ''

  constructor(private readonly onLine: (line: string) => void) {}

  write(chunk: string): void {
    const parts = (this.partial + chunk).split('\n')
    this.partial = parts.pop() ?? ''
    for (const p of parts) this.onLine(p)
  }

  end(): void {
    if (this.partial === '') return
    const last = this.partial
    this.partial = ''
    this.onLine(last)
  }
}
