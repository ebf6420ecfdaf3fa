import type { TypeDeclaration } from './declaration.ts'

/**
 * Interfaces the struct declarations hold by value. Only emptiness matters to the
 * layout (an itab word or a type word first), so each lists one of its methods.
 */
export const interfaceDeclarations: readonly TypeDeclaration[] = [
  { name: 'io.Reader', go: [13, 27], text: 'interface { Read(p []byte) (n int, err error) }' },
  { name: 'io.Writer', go: [13, 27], text: 'interface { Write(p []byte) (n int, err error) }' },
  { name: 'io.ReadCloser', go: [13, 27], text: 'interface { Close() error }' },
  { name: 'context.Context', go: [13, 27], text: 'interface { Done() <-chan struct{} }' },
  { name: 'net.Conn', go: [19, 27], text: 'interface { Close() error }' },
  { name: 'hash.Hash', go: [19, 27], text: 'interface { Sum(b []byte) []byte }' },
]
