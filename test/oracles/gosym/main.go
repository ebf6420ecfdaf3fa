// Command gosym is a test oracle for goprobe's line tables: it reads a Go binary's
// pclntab with Go's own debug/gosym and prints, for every function, the runs of pcs
// that map to one file and line, one per output line:
//
//	FUNCTION<TAB>START<TAB>END<TAB>FILE<TAB>LINE   (addresses in hex)
//
// Pcs gosym maps to no line (line 0) are left out.
//
//	gosym BINARY
package main

import (
	"bufio"
	"debug/elf"
	"debug/gosym"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gosym BINARY")
		os.Exit(2)
	}
	f, err := elf.Open(os.Args[1])
	check(err)
	sec := f.Section(".gopclntab")
	if sec == nil {
		sec = f.Section(".data.rel.ro.gopclntab")
	}
	if sec == nil {
		check(fmt.Errorf("%s has no pclntab section", os.Args[1]))
	}
	data, err := sec.Data()
	check(err)
	// Only Go 1.18+ tables need the text start; older ones hold absolute addresses.
	table, err := gosym.NewTable(nil, gosym.NewLineTable(data, f.Section(".text").Addr))
	check(err)
	w := bufio.NewWriter(os.Stdout)
	for _, fn := range table.Funcs {
		start, file, line := fn.Entry, "", 0
		flush := func(end uint64) {
			if line > 0 {
				fmt.Fprintf(w, "%s\t%x\t%x\t%s\t%d\n", fn.Name, start, end, file, line)
			}
		}
		for pc := fn.Entry; pc < fn.End; pc++ {
			f, l, _ := table.PCToLine(pc)
			if f != file || l != line {
				flush(pc)
				start, file, line = pc, f, l
			}
		}
		flush(fn.End)
	}
	check(w.Flush())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gosym:", err)
		os.Exit(1)
	}
}
