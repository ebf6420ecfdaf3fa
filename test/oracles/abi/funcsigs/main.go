// Command funcsigs is the oracle for goprobe's signature parser. It parses Go source
// files with go/parser and prints, for every function and method declaration, the
// byte span of its signature text and what go/ast says the signature holds: each
// receiver, parameter and result with its name (grouped names `a, b int` expanded)
// and a normalised rendering of its type. JSON on stdout:
//
//	funcsigs FILE...
//
// The rendering keeps what goprobe's type model keeps and drops what it does not
// (channel direction, interface method names, parameter names inside func types),
// and spells `byte`, `rune` and `any` as the types they alias.
package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
)

type value struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type decl struct {
	File string `json:"file"`
	Name string `json:"name"`
	// Start and End are byte offsets of `func ... results` in the file.
	Start    int     `json:"start"`
	End      int     `json:"end"`
	Generic  bool    `json:"generic"`
	Receiver []value `json:"receiver"`
	Params   []value `json:"params"`
	Results  []value `json:"results"`
	Variadic bool    `json:"variadic"`
}

func main() {
	fset := token.NewFileSet()
	out := []decl{}
	for _, path := range os.Args[1:] {
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			fmt.Fprintln(os.Stderr, "funcsigs:", err)
			os.Exit(1)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			params, variadic := fields(fd.Type.Params)
			results, _ := fields(fd.Type.Results)
			receiver, _ := fields(fd.Recv)
			out = append(out, decl{
				File:     path,
				Name:     fd.Name.Name,
				Start:    fset.Position(fd.Pos()).Offset,
				End:      fset.Position(fd.Type.End()).Offset,
				Generic:  fd.Type.TypeParams != nil,
				Receiver: receiver,
				Params:   params,
				Results:  results,
				Variadic: variadic,
			})
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}

func fields(list *ast.FieldList) ([]value, bool) {
	out := []value{}
	variadic := false
	if list == nil {
		return out, false
	}
	for _, f := range list.List {
		if _, ok := f.Type.(*ast.Ellipsis); ok {
			variadic = true
		}
		t := render(f.Type)
		if len(f.Names) == 0 {
			out = append(out, value{Type: t})
		}
		for _, n := range f.Names {
			out = append(out, value{Name: n.Name, Type: t})
		}
	}
	return out, variadic
}

func render(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		switch e.Name {
		case "byte":
			return "uint8"
		case "rune":
			return "int32"
		case "any":
			return "interface{}"
		}
		return e.Name
	case *ast.SelectorExpr:
		return render(e.X) + "." + e.Sel.Name
	case *ast.StarExpr:
		return "*" + render(e.X)
	case *ast.ParenExpr:
		return render(e.X)
	case *ast.Ellipsis:
		return "[]" + render(e.Elt)
	case *ast.ArrayType:
		if e.Len == nil {
			return "[]" + render(e.Elt)
		}
		return "[" + e.Len.(*ast.BasicLit).Value + "]" + render(e.Elt)
	case *ast.MapType:
		return "map[" + render(e.Key) + "]" + render(e.Value)
	case *ast.ChanType:
		return "chan " + render(e.Value)
	case *ast.FuncType:
		params, _ := fields(e.Params)
		results, _ := fields(e.Results)
		return "func(" + types(params) + ")(" + types(results) + ")"
	case *ast.InterfaceType:
		if len(e.Methods.List) == 0 {
			return "interface{}"
		}
		return "interface{...}"
	case *ast.StructType:
		parts := []string{}
		for _, f := range e.Fields.List {
			t := render(f.Type)
			if len(f.Names) == 0 {
				parts = append(parts, "embedded "+t)
			}
			for _, n := range f.Names {
				parts = append(parts, n.Name+" "+t)
			}
		}
		return "struct{" + strings.Join(parts, "; ") + "}"
	case *ast.IndexExpr:
		return render(e.X) + "[" + render(e.Index) + "]"
	case *ast.IndexListExpr:
		args := []string{}
		for _, a := range e.Indices {
			args = append(args, render(a))
		}
		return render(e.X) + "[" + strings.Join(args, ",") + "]"
	}
	panic(fmt.Sprintf("funcsigs: unexpected type expression %T", e))
}

func types(vs []value) string {
	ts := []string{}
	for _, v := range vs {
		ts = append(ts, v.Type)
	}
	return strings.Join(ts, ",")
}
