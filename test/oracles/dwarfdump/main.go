// Command dwarfdump is a test oracle for goprobe's DWARF reader. It reads a Go
// binary with Go's own debug/elf and debug/dwarf, evaluates parameter location
// lists with Delve's loclist and op packages, and prints what those libraries see
// as one JSON document on stdout:
//
//	dwarfdump BINARY
//
// Nothing here parses DWARF by hand; the glue only walks the entries the
// libraries return, so the TypeScript reader is compared with code no one on the
// goprobe project wrote.
package main

import (
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
	"github.com/go-delve/delve/pkg/dwarf/loclist"
	"github.com/go-delve/delve/pkg/dwarf/op"
)

type field struct {
	Name     string `json:"name"`
	Offset   int64  `json:"offset"`
	Size     int64  `json:"size"`
	Embedded bool   `json:"embedded"`
}

type structType struct {
	Name   string  `json:"name"`
	Size   int64   `json:"size"`
	Fields []field `json:"fields"`
}

// piece mirrors goprobe's location piece: a register number, a CFA offset, a
// constant address, or nothing (an unavailable piece). Size 0 means "the whole
// value" (no DW_OP_piece).
type piece struct {
	Size      int    `json:"size"`
	Empty     bool   `json:"empty,omitempty"`
	Reg       *int   `json:"reg,omitempty"`
	CfaOffset *int64 `json:"cfaOffset,omitempty"`
	Addr      *int64 `json:"addr,omitempty"`
}

type param struct {
	Name     string `json:"name"`
	IsResult bool   `json:"isResult"`
	// Location at the function's low_pc; nil when the parameter has no location
	// or no list entry covers low_pc. Error holds Delve's complaint, if any.
	Pieces []piece `json:"pieces"`
	Error  string  `json:"error,omitempty"`
}

type function struct {
	Name        string  `json:"name"`
	LowPc       uint64  `json:"lowPc"`
	HighPc      uint64  `json:"highPc"`
	PrologueEnd *uint64 `json:"prologueEnd"`
	Params      []param `json:"params"`
}

// unit is a compilation unit's name and its code ranges (DW_AT_ranges or low/high pc).
type unit struct {
	Name   string      `json:"name"`
	Ranges [][2]uint64 `json:"ranges"`
}

type output struct {
	Units     []unit       `json:"units"`
	Structs   []structType `json:"structs"`
	Functions []function   `json:"functions"`
}

// fakeCFA is the CFA value handed to Delve's evaluator so that CFA-relative
// addresses can be turned back into offsets.
const fakeCFA = 1 << 40

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dwarfdump BINARY")
		os.Exit(2)
	}
	f, err := elf.Open(os.Args[1])
	check(err)
	d, err := f.DWARF()
	check(err)

	out := output{Units: []unit{}, Structs: []structType{}, Functions: []function{}}
	lists := newLocationLists(f)
	prologueEnds := prologueEndAddresses(d)

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
			ranges, err := d.Ranges(e)
			check(err)
			name, _ := e.Val(dwarf.AttrName).(string)
			out.Units = append(out.Units, unit{Name: name, Ranges: append([][2]uint64{}, ranges...)})
			cuAddr = nil
			if base, ok := e.Val(dwarf.AttrAddrBase).(int64); ok {
				cuAddr = lists.addr.GetSubsection(uint64(base))
			}
			continue
		case dwarf.TagStructType:
			if name, ok := e.Val(dwarf.AttrName).(string); ok {
				out.Structs = append(out.Structs, readStruct(d, e.Offset, name))
			}
		case dwarf.TagSubprogram:
			if fn, ok := readFunction(d, r, e, lists, cuBase, cuAddr, prologueEnds); ok {
				out.Functions = append(out.Functions, fn)
				continue // readFunction consumed the children
			}
		}
		if e.Children {
			r.SkipChildren()
		}
	}
	enc := json.NewEncoder(os.Stdout)
	check(enc.Encode(out))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "dwarfdump:", err)
		os.Exit(1)
	}
}

func readStruct(d *dwarf.Data, off dwarf.Offset, name string) structType {
	t, err := d.Type(off)
	check(err)
	st, ok := t.(*dwarf.StructType)
	if !ok {
		fmt.Fprintf(os.Stderr, "dwarfdump: %s is %T, not a struct\n", name, t)
		os.Exit(1)
	}
	embedded := embeddedFlags(d, off)
	out := structType{Name: name, Size: st.ByteSize, Fields: []field{}}
	for i, f := range st.Field {
		out.Fields = append(out.Fields, field{Name: f.Name, Offset: f.ByteOffset, Size: f.Type.Size(), Embedded: i < len(embedded) && embedded[i]})
	}
	return out
}

// attrGoEmbeddedField is Go's DW_AT_go_embedded_field, which debug/dwarf keeps
// as an attribute of unknown meaning.
const attrGoEmbeddedField = dwarf.Attr(0x2903)

// embeddedFlags reads each member's DW_AT_go_embedded_field, in member order.
func embeddedFlags(d *dwarf.Data, off dwarf.Offset) []bool {
	r := d.Reader()
	r.Seek(off)
	e, err := r.Next()
	check(err)
	var out []bool
	if !e.Children {
		return out
	}
	for {
		c, err := r.Next()
		check(err)
		if c == nil || c.Tag == 0 {
			return out
		}
		if c.Tag == dwarf.TagMember {
			v, _ := c.Val(attrGoEmbeddedField).(bool)
			out = append(out, v)
		}
		if c.Children {
			r.SkipChildren()
		}
	}
}

type locationLists struct {
	v4   *loclist.Dwarf2Reader
	v5   *loclist.Dwarf5Reader
	addr *godwarf.DebugAddrSection
}

func newLocationLists(f *elf.File) locationLists {
	var l locationLists
	if data := sectionData(f, ".debug_loc"); data != nil {
		l.v4 = loclist.NewDwarf2Reader(data, 8)
	}
	if data := sectionData(f, ".debug_loclists"); data != nil {
		l.v5 = loclist.NewDwarf5Reader(data)
	}
	l.addr = godwarf.ParseAddr(sectionData(f, ".debug_addr"))
	return l
}

// sectionData returns a DWARF section's bytes, decompressed by debug/elf.
func sectionData(f *elf.File, name string) []byte {
	s := f.Section(name)
	if s == nil {
		s = f.Section(".z" + name[1:])
	}
	if s == nil {
		return nil
	}
	data, err := s.Data()
	check(err)
	if len(data) >= 12 && string(data[:4]) == "ZLIB" {
		fmt.Fprintln(os.Stderr, "dwarfdump: .zdebug sections are not supported by this oracle")
		os.Exit(1)
	}
	return data
}

func readFunction(d *dwarf.Data, r *dwarf.Reader, e *dwarf.Entry, lists locationLists, cuBase uint64, cuAddr *godwarf.DebugAddr, prologueEnds []uint64) (function, bool) {
	low, ok := e.Val(dwarf.AttrLowpc).(uint64)
	if !ok {
		return function{}, false
	}
	ranges, err := d.Ranges(e)
	check(err)
	high := low
	for _, rg := range ranges {
		if rg[0] == low {
			high = rg[1]
		}
	}
	fn := function{Name: entryName(d, e), LowPc: low, HighPc: high, Params: []param{}}
	i := sort.Search(len(prologueEnds), func(i int) bool { return prologueEnds[i] >= low })
	if i < len(prologueEnds) && prologueEnds[i] < high {
		pe := prologueEnds[i]
		fn.PrologueEnd = &pe
	}
	if !e.Children {
		return fn, true
	}
	depth := 1
	for depth > 0 {
		c, err := r.Next()
		check(err)
		if c == nil {
			break
		}
		if c.Tag == 0 {
			depth--
			continue
		}
		if depth == 1 && c.Tag == dwarf.TagFormalParameter {
			fn.Params = append(fn.Params, readParam(d, c, lists, cuBase, cuAddr, low))
		}
		if c.Children {
			depth++
		}
	}
	return fn, true
}

// entryName is the entry's own name, or that of its abstract origin (concrete
// out-of-line copies of inlined functions carry only the origin).
func entryName(d *dwarf.Data, e *dwarf.Entry) string {
	if name, ok := e.Val(dwarf.AttrName).(string); ok {
		return name
	}
	if origin, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset); ok {
		r := d.Reader()
		r.Seek(origin)
		o, err := r.Next()
		check(err)
		if o != nil {
			return entryName(d, o)
		}
	}
	return ""
}

func entryFlag(d *dwarf.Data, e *dwarf.Entry, attr dwarf.Attr) bool {
	if v, ok := e.Val(attr).(bool); ok {
		return v
	}
	if origin, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset); ok {
		r := d.Reader()
		r.Seek(origin)
		o, err := r.Next()
		check(err)
		if o != nil {
			return entryFlag(d, o, attr)
		}
	}
	return false
}

func readParam(d *dwarf.Data, e *dwarf.Entry, lists locationLists, cuBase uint64, cuAddr *godwarf.DebugAddr, pc uint64) param {
	p := param{Name: entryName(d, e), IsResult: entryFlag(d, e, dwarf.AttrVarParam)}
	field := e.AttrField(dwarf.AttrLocation)
	if field == nil {
		return p
	}
	var instr []byte
	switch field.Class {
	case dwarf.ClassExprLoc, dwarf.ClassBlock:
		instr = field.Val.([]byte)
	case dwarf.ClassLocListPtr, dwarf.ClassLocList:
		off := int(field.Val.(int64))
		var entry *loclist.Entry
		var err error
		if lists.v5 != nil {
			entry, err = lists.v5.Find(off, 0, cuBase, pc, cuAddr)
		} else {
			entry, err = lists.v4.Find(off, 0, cuBase, pc, nil)
		}
		if err != nil {
			p.Error = err.Error()
			return p
		}
		if entry == nil {
			return p
		}
		instr = entry.Instr
	default:
		p.Error = fmt.Sprintf("location of class %v", field.Class)
		return p
	}
	p.Pieces = []piece{}
	if len(instr) == 0 {
		return p
	}
	regs := op.DwarfRegisters{CFA: fakeCFA, FrameBase: fakeCFA, ByteOrder: binary.LittleEndian}
	addr, pieces, err := op.ExecuteStackProgram(regs, instr, 8, nil)
	if err != nil {
		p.Error = err.Error()
		return p
	}
	if pieces == nil {
		p.Pieces = append(p.Pieces, addressPiece(0, addr))
		return p
	}
	for _, pc := range pieces {
		switch pc.Kind {
		case op.RegPiece:
			reg := int(pc.Val)
			p.Pieces = append(p.Pieces, piece{Size: pc.Size, Reg: &reg})
		case op.AddrPiece:
			p.Pieces = append(p.Pieces, addressPiece(pc.Size, int64(pc.Val)))
		case op.ImmPiece:
			// Delve's evaluator records a DW_OP_piece with nothing on the stack this way.
			p.Pieces = append(p.Pieces, piece{Size: pc.Size, Empty: true})
		}
	}
	return p
}

func addressPiece(size int, addr int64) piece {
	if addr >= fakeCFA/2 {
		off := addr - fakeCFA
		return piece{Size: size, CfaOffset: &off}
	}
	return piece{Size: size, Addr: &addr}
}

// prologueEndAddresses lists, sorted, every address the line tables mark with
// prologue_end.
func prologueEndAddresses(d *dwarf.Data) []uint64 {
	var out []uint64
	r := d.Reader()
	for {
		e, err := r.Next()
		check(err)
		if e == nil {
			break
		}
		if e.Tag != dwarf.TagCompileUnit {
			r.SkipChildren()
			continue
		}
		lr, err := d.LineReader(e)
		check(err)
		r.SkipChildren()
		if lr == nil {
			continue
		}
		var le dwarf.LineEntry
		for lr.Next(&le) == nil {
			if le.PrologueEnd {
				out = append(out, le.Address)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
