/**
 * Parser for Go type text (`map[string][]*net/http.Cookie`) and signature text
 * (`func (c *net/http.Client) do(req *net/http.Request) (*net/http.Response, error)`),
 * the form users write in probes and Go tools print. Type literals are laid out here;
 * named types are looked up through the caller's resolver, so the parser itself knows
 * nothing about where types come from.
 */
import { UnknownNameError, UsageError } from '../errors.ts'
import {
  arrayType, chanType, funcType, interfaceType, mapType, pointerType, sliceType, structType, type FieldSpec,
} from './layout.ts'
import { basicType, type GoType, type Param, type Signature } from './types.ts'
import { syntaxError, tokenize, type Token } from './type-lexer.ts'

/** Returns the type with this fully qualified name (`net/http.Header`, `main.Pair[int,string]`), or undefined. */
export type TypeResolver = (name: string) => GoType | undefined

/** Parses one Go type. Unknown names raise UnknownNameError; syntax errors raise UsageError. */
export function parseType(text: string, resolve: TypeResolver): GoType {
  const p = new TypeParser(text, resolve)
  const t = p.type()
  p.expectEnd()
  return t
}

/**
 * Parses `func(params) results` or a declaration `func (recv) name(params) results`
 * (the name is accepted and ignored). The result is a complete, declared signature.
 */
export function parseSignature(text: string, resolve: TypeResolver): Signature {
  const p = new TypeParser(text, resolve)
  const s = p.signature()
  p.expectEnd()
  return s
}

const KEYWORDS = new Set(['func', 'map', 'chan', 'struct', 'interface'])

function predeclared(name: string): GoType | undefined {
  switch (name) {
    case 'int': case 'int8': case 'int16': case 'int32': case 'int64':
    case 'uint': case 'uint8': case 'uint16': case 'uint32': case 'uint64': case 'uintptr':
    case 'float32': case 'float64': case 'complex64': case 'complex128':
    case 'bool': case 'string': case 'unsafe.Pointer':
      return basicType(name)
    case 'byte': return basicType('uint8')
    case 'rune': return basicType('int32')
    case 'any': return interfaceType(true)
    case 'error': return interfaceType(false, 'error')
    default: return undefined
  }
}

/** A plain identifier: usable as a parameter or field name (no package path). */
const isIdentifier = (t: Token) => t.kind === 'name' && !KEYWORDS.has(t.text) && !/[./\-~%+]/.test(t.text)

/** One entry of a parameter list before grouping: `a`, `a T`, `a ...T`, `T` or `...T`. */
interface ListEntry {
  readonly name?: Token
  /** Undefined for a lone identifier, which is a name or a type depending on its neighbours. */
  readonly type?: GoType
  readonly variadic: boolean
  readonly at: number
}

class TypeParser {
  private readonly tokens: Token[]
  private pos = 0

  constructor(private readonly source: string, private readonly resolve: TypeResolver) {
    this.tokens = tokenize(source)
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)]!
  }

  private next(): Token {
    const t = this.peek()
    if (t.kind !== 'eof') this.pos++
    return t
  }

  private is(text: string, ahead = 0): boolean {
    const t = this.peek(ahead)
    return t.kind !== 'string' && t.text === text
  }

  private accept(text: string): boolean {
    if (!this.is(text)) return false
    this.pos++
    return true
  }

  private expect(text: string): Token {
    if (!this.is(text)) throw this.error(`expected ${JSON.stringify(text)}`)
    return this.next()
  }

  private error(problem: string, at = this.peek()): UsageError {
    const found = at.kind === 'eof' ? 'end of text' : JSON.stringify(at.text)
    return syntaxError(this.source, at.start, `${problem}, found ${found}`)
  }

  expectEnd(): void {
    while (this.accept(';'));
    if (this.peek().kind !== 'eof') throw this.error('expected end of text')
  }

  type(): GoType {
    const t = this.peek()
    if (t.kind === 'name') {
      switch (t.text) {
        case 'func': this.next(); return funcType(this.signatureBody())
        case 'map': return this.mapLiteral()
        case 'chan': this.next(); this.accept('<-'); return chanType(this.type())
        case 'struct': return this.structLiteral()
        case 'interface': return this.interfaceLiteral()
        default: return this.namedType()
      }
    }
    if (this.accept('*')) return pointerType(this.type())
    if (this.is('<-')) { this.next(); this.expect('chan'); return chanType(this.type()) }
    if (this.is('[')) return this.arrayOrSlice()
    if (this.accept('(')) { const inner = this.type(); this.expect(')'); return inner }
    throw this.error('expected a type')
  }

  /** A type name, with type arguments written back in Go's canonical `Name[A,B]` form. */
  private namedType(): GoType {
    const nameToken = this.next()
    let name = nameToken.text
    if (this.is('[')) name += this.typeArguments()
    const found = predeclared(name) ?? this.resolve(name)
    if (found === undefined) throw new UnknownNameError('type', name)
    return found
  }

  /**
   * The `[...]` after a generic type's name, as text. The arguments are only checked for
   * balance, not resolved: a binary may know `main.Pair[main.Key,int]` without knowing `main.Key`.
   */
  private typeArguments(): string {
    const open = this.expect('[')
    const args: string[] = []
    let depth = 0
    let argStart = open.end
    for (;;) {
      const t = this.next()
      if (t.kind === 'eof') throw this.error('unbalanced "[" in type arguments', open)
      if (t.text === '[' || t.text === '(' || t.text === '{') depth++
      else if ((t.text === ']' || t.text === ')' || t.text === '}') && depth > 0) depth--
      else if (depth === 0 && (t.text === ',' || t.text === ']')) {
        args.push(canonicalTypeText(this.source.slice(argStart, t.start)))
        argStart = t.end
        if (t.text === ']') break
      }
    }
    if (args.some((a) => a === '')) throw this.error('empty type argument', open)
    return `[${args.join(',')}]`
  }

  private arrayOrSlice(): GoType {
    this.expect('[')
    if (this.accept(']')) return sliceType(this.type())
    const len = this.next()
    if (len.kind !== 'number' || !/^(0|[1-9][0-9]*|0[xX][0-9a-fA-F]+)$/.test(len.text)) {
      throw this.error('expected an array length (a number)', len)
    }
    this.expect(']')
    return arrayType(this.type(), Number(len.text))
  }

  private mapLiteral(): GoType {
    this.expect('map')
    this.expect('[')
    const key = this.type()
    this.expect(']')
    return mapType(key, this.type())
  }

  private structLiteral(): GoType {
    this.expect('struct')
    this.expect('{')
    const fields: FieldSpec[] = []
    while (!this.accept('}')) {
      if (this.accept(';')) continue
      fields.push(...this.fieldDeclaration())
      if (this.peek().kind === 'string') this.next() // field tag
      if (!this.is('}')) this.expect(';')
    }
    return structType(undefined, fields)
  }

  /** `a, b T` or an embedded `T` / `*T` / `pkg.T[Args]`. */
  private fieldDeclaration(): FieldSpec[] {
    if (this.is('*') || this.startsEmbeddedField()) {
      const nameToken = this.peek(this.is('*') ? 1 : 0)
      const type = this.type()
      return [{ name: embeddedFieldName(nameToken.text), type, embedded: true }]
    }
    const names: string[] = [this.fieldName()]
    while (this.accept(',')) names.push(this.fieldName())
    const type = this.type()
    return names.map((name) => ({ name, type }))
  }

  /**
   * A field name. Go prints unexported fields of struct literals qualified by their package
   * (`struct { main.a int8 }` in shape and DWARF type names); the field itself is `a`.
   */
  private fieldName(): string {
    const t = this.peek()
    if (t.kind !== 'name' || KEYWORDS.has(t.text)) throw this.error('expected a field name')
    this.next()
    return t.text.slice(t.text.lastIndexOf('.') + 1)
  }

  private startsEmbeddedField(): boolean {
    if (this.peek().kind !== 'name' || KEYWORDS.has(this.peek().text)) return false
    let ahead = 1
    if (this.is('[', 1)) {
      if (this.isArrayBracket(1)) return false
      ahead = this.closingBracket(1) + 1
    }
    const after = this.peek(ahead)
    return after.text === ';' || after.text === '}' || after.kind === 'string' || after.kind === 'eof'
  }

  /** Whether the `[` `ahead` tokens away opens an array or slice type rather than type arguments. */
  private isArrayBracket(ahead: number): boolean {
    const inside = this.peek(ahead + 1)
    return inside.text === ']' || (inside.kind === 'number' && this.is(']', ahead + 2))
  }

  /** Lookahead distance of the `]` matching the `[` `ahead` tokens away. */
  private closingBracket(ahead: number): number {
    let depth = 0
    for (let i = ahead; ; i++) {
      const t = this.peek(i)
      if (t.kind === 'eof') throw this.error('unbalanced "["', this.peek(ahead))
      if (t.text === '[') depth++
      else if (t.text === ']' && --depth === 0) return i
    }
  }

  private identifier(): Token {
    const t = this.peek()
    if (!isIdentifier(t)) throw this.error('expected an identifier')
    return this.next()
  }

  /** Method sets only decide whether the interface is empty; methods are checked for syntax. */
  private interfaceLiteral(): GoType {
    this.expect('interface')
    this.expect('{')
    let empty = true
    while (!this.accept('}')) {
      if (this.accept(';')) continue
      if (isIdentifier(this.peek()) && this.is('(', 1)) {
        this.next()
        this.signatureBody()
        empty = false
      } else {
        const at = this.peek()
        const embedded = this.type()
        if (embedded.kind !== 'interface' || this.is('|')) {
          throw this.error('type constraints are not value types; expected a method or an embedded interface', at)
        }
        empty &&= embedded.empty
      }
      if (!this.is('}')) this.expect(';')
    }
    return interfaceType(empty)
  }

  /** `func [(recv)] [name] (params) [results]`. */
  signature(): Signature {
    this.expect('func')
    if (this.is('(') && this.listFollowedByName()) {
      const open = this.peek()
      const receivers = this.parameterList(false)
      if (receivers.params.length !== 1 || receivers.variadic) throw this.error('a method has exactly one receiver', open)
      this.identifier()
      return { ...this.signatureBody(), receiver: receivers.params[0]! }
    }
    if (isIdentifier(this.peek())) this.next()
    return this.signatureBody()
  }

  /** Whether the parenthesised list at the cursor is a receiver, i.e. a method name follows it. */
  private listFollowedByName(): boolean {
    let depth = 0
    for (let i = 0; ; i++) {
      const t = this.peek(i)
      if (t.kind === 'eof') return false
      if (t.text === '(') depth++
      else if (t.text === ')' && --depth === 0) return isIdentifier(this.peek(i + 1)) && this.is('(', i + 2)
    }
  }

  /** `(params) [results]` */
  private signatureBody(): Signature {
    const { params, variadic } = this.parameterList(true)
    let results: Param[] = []
    if (this.is('(')) results = this.parameterList(false).params
    else if (this.startsType()) results = [{ type: this.type() }]
    return { params, results, variadic, complete: true, source: 'declared' }
  }

  private startsType(): boolean {
    const t = this.peek()
    if (t.kind === 'name') return true
    return t.text === '*' || t.text === '[' || t.text === '<-' || t.text === '('
  }

  /**
   * A parenthesised parameter list. Go allows either all names (`a, b int, s string`)
   * or none (`int, string`); a lone identifier is a name if any entry is named, else a type.
   */
  private parameterList(allowVariadic: boolean): { params: Param[]; variadic: boolean } {
    this.expect('(')
    const entries: ListEntry[] = []
    while (!this.accept(')')) {
      entries.push(this.listEntry())
      if (!this.is(')')) this.expect(',')
    }
    const named = entries.some((e) => e.name !== undefined && e.type !== undefined)
    const params: Param[] = []
    let pendingNames: Token[] = []
    let variadic = false
    for (const [i, e] of entries.entries()) {
      if (e.variadic) {
        if (!allowVariadic || i !== entries.length - 1) throw syntaxError(this.source, e.at, 'can only use ... with the final parameter')
        variadic = true
      }
      if (!named) {
        params.push({ type: e.type ?? this.lookUpName(e.name!) })
        continue
      }
      if (e.name === undefined) throw syntaxError(this.source, e.at, 'mixed named and unnamed parameters')
      pendingNames.push(e.name)
      if (e.type === undefined) continue
      for (const n of pendingNames) params.push({ name: n.text, type: e.type })
      pendingNames = []
    }
    if (pendingNames.length > 0) throw syntaxError(this.source, pendingNames[0]!.start, 'mixed named and unnamed parameters')
    return { params, variadic }
  }

  private listEntry(): ListEntry {
    const at = this.peek().start
    if (isIdentifier(this.peek())) {
      const after = this.peek(1)
      if (after.text === ',' || after.text === ')') return { name: this.next(), variadic: false, at }
      const genericTypeName = after.text === '[' && !this.isArrayBracket(1)
      if (!genericTypeName && (after.text === '...' || this.startsTypeAt(1))) {
        const name = this.next()
        return { name, ...this.maybeVariadicType(), at }
      }
    }
    return { ...this.maybeVariadicType(), at }
  }

  private startsTypeAt(ahead: number): boolean {
    const t = this.peek(ahead)
    return t.kind === 'name' || ['*', '[', '<-', '('].includes(t.text)
  }

  private maybeVariadicType(): { type: GoType; variadic: boolean } {
    if (this.accept('...')) return { type: sliceType(this.type()), variadic: true }
    return { type: this.type(), variadic: false }
  }

  /** A lone identifier in an unnamed list turned out to be a type name. */
  private lookUpName(name: Token): GoType {
    const found = predeclared(name.text) ?? this.resolve(name.text)
    if (found === undefined) throw new UnknownNameError('type', name.text)
    return found
  }
}

/** `*net/http.Header` embeds a field named `Header`; `main.Pair[int,string]` one named `Pair`. */
function embeddedFieldName(typeName: string): string {
  const base = typeName.split('[')[0]!
  return base.slice(base.lastIndexOf('.') + 1)
}

/** Whitespace as Go prints type arguments: none around commas or just inside brackets. */
function canonicalTypeText(text: string): string {
  return text.trim().replace(/\s+/g, ' ').replace(/ ?, ?/g, ',').replace(/\[ /g, '[').replace(/ \]/g, ']')
}
