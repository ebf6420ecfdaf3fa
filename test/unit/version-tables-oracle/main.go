// The version-tables test's oracle: refers to every standard-library type the
// version tables declare, so that the linker writes DWARF for each of them.
// The program is built, never run.
package main

import (
	"context"
	"crypto/tls"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"
)

var keep struct {
	db     *sql.DB
	conn   *sql.Conn
	config *tls.Config
	tconn  *tls.Conn
	cert   tls.Certificate
	req    *http.Request
	resp   *http.Response
	u      *url.URL
	tcp    *net.TCPAddr
	ip     *net.IPAddr
	file   *os.File
	once   *sync.Once
	rw     *sync.RWMutex
	t      time.Time
}

func main() {
	if len(os.Args) < 100 {
		return
	}
	db, err := sql.Open("none", "")
	if err == nil {
		keep.conn, _ = db.Conn(context.Background())
	}
	keep.db = db
	keep.config = &tls.Config{}
	keep.req, _ = http.NewRequest("GET", "http://x", nil)
	keep.resp, _ = http.DefaultClient.Do(keep.req)
	keep.tcp, _ = net.ResolveTCPAddr("tcp", "x:1")
	keep.ip, _ = net.ResolveIPAddr("ip", "x")
	keep.file = os.Stdin
	keep.once = new(sync.Once)
	keep.rw = new(sync.RWMutex)
	keep.t = time.Now()
	fmt.Println(keep)
}
