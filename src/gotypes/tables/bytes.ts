import type { TypeDeclaration } from './declaration.ts'

/** bytes Buffer (buffer.go) and Reader (reader.go), held by value in crypto/tls.Conn: unchanged from 1.19 to 1.27. */
export const bytesDeclarations: readonly TypeDeclaration[] = [
  { name: 'bytes.readOp', go: [19, 27], text: 'int8' },
  { name: 'bytes.Buffer', go: [19, 27], text: 'struct { buf []byte; off int; lastRead bytes.readOp }' },
  { name: 'bytes.Reader', go: [19, 27], text: 'struct { s []byte; i int64; prevRune int }' },
]
