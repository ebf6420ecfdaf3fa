// Command unnamed declares functions whose parameters DWARF may leave out: unnamed
// and blank arguments and receivers, and a generic function compiled to shapes.
// Tests compare what each toolchain's DWARF lists with goprobe's `complete` flag.
package main

import "fmt"

type T struct{ x int }

//go:noinline
func (T) UnnamedReceiver(a int) int { return a }

//go:noinline
func (_ *T) BlankReceiver(a int) int { return a }

//go:noinline
func Blanks(_ int, b string, _ float64) (_ int, r int) { return len(b), 2 }

//go:noinline
func Unnamed(int, string) (int, error) { return 1, nil }

//go:noinline
func Named(a int, s string) (n int, err error) { return a + len(s), nil }

//go:noinline
func Generic[V int | string](a, b V) V {
	if a > b {
		return a
	}
	return b
}

func main() {
	var t T
	fmt.Println(t.UnnamedReceiver(1), t.BlankReceiver(2), Generic(1, 2), Generic("a", "b"))
	fmt.Println(Blanks(1, "x", 2))
	fmt.Println(Unnamed(1, ""))
	fmt.Println(Named(1, ""))
}
