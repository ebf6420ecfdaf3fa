// Command dwarfabi is the register-ABI oracle for goprobe's ABI calculator. It reads
// a Go binary built with `-gcflags=all=-N -l`, for which the compiler writes each
// register parameter's location list straight from its own ABI analysis: the
// argument registers at the function's first instruction, then the parameter's
// spill slot once the prologue has stored it. Location lists are decoded with
// Delve's loclist and op packages, and the result is printed as JSON:
//
//	dwarfabi BINARY PREFIX
//
// lists every function whose name starts with PREFIX (e.g. "main.").
package main

import (
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
	"github.com/go-delve/delve/pkg/dwarf/loclist"
	"github.com/go-delve/delve/pkg/dwarf/op"
)

// piece is one part of a location: a DWARF register number, an offset from the
// canonical frame address (entry SP + 8), or a padding gap with no location.
type piece struct {
	Size      int    `json:"size"`
	Reg       *int   `json:"reg,omitempty"`
	CfaOffset *int64 `json:"cfaOffset,omitempty"`
	Padding   bool   `json:"padding,omitempty"`
}

type param struct {
	Name     string `json:"name"`
	IsResult bool   `json:"isResult"`
	// Entry is the location at the first instruction, Home the one at the last.
	Entry []piece `json:"entry"`
	Home  []piece `json:"home"`
	Error string  `json:"error,omitempty"`
}

type function struct {
	Name   string  `json:"name"`
	Params []param `json:"params"`
}

// fakeCFA is a CFA value far from any real address, so CFA-relative results can be told apart.
const fakeCFA = int64(1) << 40

type lists struct {
	v4   *loclist.Dwarf2Reader
	v5   *loclist.Dwarf5Reader
	addr *godwarf.DebugAddrSection
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: dwarfabi BINARY PREFIX")
		os.Exit(2)
	}
	f, err := elf.Open(os.Args[1])
	check(err)
	d, err := f.DWARF()
	check(err)
	l := lists{addr: godwarf.ParseAddr(section(f, ".debug_addr"))}
	if data := section(f, ".debug_loc"); data != nil {
		l.v4 = loclist.NewDwarf2Reader(data, 8)
	}
	if data := section(f, ".debug_loclists"); data != nil {
		l.v5 = loclist.NewDwarf5Reader(data)
	}
	out := []function{}
	r := d.Reader()
	var cuBase uint64
	var cuAddr *godwarf.DebugAddr
	for {
		e, err := r.Next()
		check(err)
		if e == nil {
			break
		}
		switch e.Tag {
		case dwarf.TagCompileUnit:
			cuBase, _ = e.Val(dwarf.AttrLowpc).(uint64)
			addrBase, _ := e.Val(dwarf.AttrAddrBase).(int64)
			cuAddr = l.addr.GetSubsection(uint64(addrBase))
		case dwarf.TagSubprogram:
			name, _ := e.Val(dwarf.AttrName).(string)
			low, hasLow := e.Val(dwarf.AttrLowpc).(uint64)
			if !hasLow || !strings.HasPrefix(name, os.Args[2]) {
				r.SkipChildren()
				continue
			}
			ranges, err := d.Ranges(e)
			check(err)
			high := ranges[0][1]
			fn := function{Name: name, Params: []param{}}
			for e.Children {
				c, err := r.Next()
				check(err)
				if c == nil || c.Tag == 0 {
					break
				}
				if c.Tag == dwarf.TagFormalParameter {
					p := param{Name: c.Val(dwarf.AttrName).(string)}
					p.IsResult, _ = c.Val(dwarf.AttrVarParam).(bool)
					p.Entry, err = locate(c, l, cuBase, cuAddr, low)
					if err == nil {
						p.Home, err = locate(c, l, cuBase, cuAddr, high-1)
					}
					if err != nil {
						p.Error = err.Error()
					}
					fn.Params = append(fn.Params, p)
				}
				if c.Children {
					r.SkipChildren()
				}
			}
			out = append(out, fn)
		default:
			if e.Tag != dwarf.TagCompileUnit && e.Children {
				r.SkipChildren()
			}
		}
	}
	check(json.NewEncoder(os.Stdout).Encode(out))
}

// locate evaluates the parameter's location at pc; nil when nothing covers pc.
func locate(e *dwarf.Entry, l lists, cuBase uint64, cuAddr *godwarf.DebugAddr, pc uint64) ([]piece, error) {
	field := e.AttrField(dwarf.AttrLocation)
	if field == nil {
		return nil, nil
	}
	var instr []byte
	switch field.Class {
	case dwarf.ClassExprLoc, dwarf.ClassBlock:
		instr = field.Val.([]byte)
	case dwarf.ClassLocListPtr, dwarf.ClassLocList:
		var entry *loclist.Entry
		var err error
		if l.v5 != nil {
			entry, err = l.v5.Find(int(field.Val.(int64)), 0, cuBase, pc, cuAddr)
		} else {
			entry, err = l.v4.Find(int(field.Val.(int64)), 0, cuBase, pc, nil)
		}
		if err != nil || entry == nil {
			return nil, err
		}
		instr = entry.Instr
	default:
		return nil, fmt.Errorf("location of class %v", field.Class)
	}
	regs := op.DwarfRegisters{CFA: fakeCFA, FrameBase: fakeCFA, ByteOrder: binary.LittleEndian}
	addr, pieces, err := op.ExecuteStackProgram(regs, instr, 8, nil)
	if err != nil {
		return nil, err
	}
	if pieces == nil {
		off := addr - fakeCFA
		return []piece{{CfaOffset: &off}}, nil
	}
	out := []piece{}
	for _, pc := range pieces {
		switch pc.Kind {
		case op.RegPiece:
			reg := int(pc.Val)
			out = append(out, piece{Size: pc.Size, Reg: &reg})
		case op.AddrPiece:
			off := int64(pc.Val) - fakeCFA
			out = append(out, piece{Size: pc.Size, CfaOffset: &off})
		default:
			out = append(out, piece{Size: pc.Size, Padding: true})
		}
	}
	return out, nil
}

func section(f *elf.File, name string) []byte {
	s := f.Section(name)
	if s == nil {
		return nil
	}
	data, err := s.Data()
	check(err)
	return data
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "dwarfabi:", err)
		os.Exit(1)
	}
}
