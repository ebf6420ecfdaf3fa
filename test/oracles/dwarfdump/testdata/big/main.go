// Command big links a large part of the standard library, to measure goprobe's
// DWARF reader on a binary of realistic size.
package main

import (
	"archive/zip"
	"compress/gzip"
	"crypto/tls"
	"database/sql"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"go/parser"
	"go/token"
	"go/types"
	"html/template"
	"image/png"
	"net/http"
	"net/http/httputil"
	"net/mail"
	"net/smtp"
	"os"
	"regexp"
	"text/tabwriter"
)

func main() {
	var things = []any{
		zip.NewReader, gzip.NewReader, tls.Dial, sql.Open, json.Marshal, xml.Marshal,
		parser.ParseFile, token.NewFileSet, types.NewPackage, template.New, png.Decode,
		http.ListenAndServe, httputil.DumpRequest, mail.ParseAddress, smtp.Dial, regexp.MustCompile,
		tabwriter.NewWriter, (&types.Config{}).Check, (&http.Client{}).Do,
	}
	if len(os.Args) > 1 {
		fmt.Println(things...)
	}
}
