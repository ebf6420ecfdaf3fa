// A method promoted from an embedded interface through a pointer: its wrapper,
// (*Writer).Write, calls the interface's method in tail position, which Go 1.27
// compiles to a jump through a register and no RET. Built by disasm.test.ts, never run.
package main

import (
	"fmt"
	"io"
	"os"
)

type Writer struct {
	io.Writer
	count int
}

//go:noinline
func greet(w io.Writer) { fmt.Fprintln(w, "hello") }

func main() {
	greet(&Writer{Writer: os.Stdout})
}
