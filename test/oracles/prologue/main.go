// Command prologue is a test oracle for goprobe's post-prologue point: it reads a Go
// binary's line tables with Go's own debug/dwarf and prints, for every function,
// its entry and the first address the compiler marked prologue_end, as JSON:
// {"main.F": {"entry": 4722144, "mark": 4722150}, ...}. Names DWARF gives more than one
// function (assembly and Go halves) are left out.
//
//	prologue BINARY
package main

import (
	"debug/dwarf"
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: prologue BINARY")
		os.Exit(2)
	}
	f, err := elf.Open(os.Args[1])
	check(err)
	d, err := f.DWARF()
	check(err)
	type fn struct {
		name      string
		low, high uint64
	}
	var fns []fn
	var ends []uint64
	r := d.Reader()
	for {
		e, err := r.Next()
		check(err)
		if e == nil {
			break
		}
		switch e.Tag {
		case dwarf.TagCompileUnit:
			lr, err := d.LineReader(e)
			check(err)
			if lr != nil {
				var le dwarf.LineEntry
				for lr.Next(&le) == nil {
					if le.PrologueEnd {
						ends = append(ends, le.Address)
					}
				}
			}
		case dwarf.TagSubprogram:
			name, _ := e.Val(dwarf.AttrName).(string)
			ranges, err := d.Ranges(e)
			check(err)
			if name != "" && len(ranges) == 1 {
				fns = append(fns, fn{name, ranges[0][0], ranges[0][1]})
			}
			r.SkipChildren()
		}
	}
	sort.Slice(ends, func(i, j int) bool { return ends[i] < ends[j] })
	type mark struct {
		Entry uint64 `json:"entry"`
		Mark  uint64 `json:"mark"`
	}
	seen := map[string]int{}
	for _, f := range fns {
		seen[f.name]++
	}
	out := map[string]mark{}
	for _, f := range fns {
		i := sort.Search(len(ends), func(i int) bool { return ends[i] >= f.low })
		if seen[f.name] == 1 && i < len(ends) && ends[i] < f.high {
			out[f.name] = mark{f.low, ends[i]}
		}
	}
	check(json.NewEncoder(os.Stdout).Encode(out))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "prologue:", err)
		os.Exit(1)
	}
}
