// Command demo is a small program to try goprobe on. For N seconds (argv[1],
// default 5) it does three traceable things every 100ms: it calls handleOrder,
// fetches a page from its own HTTP server on 127.0.0.1, and reads a file.
//
//	go build -o demo . && ./demo 10
package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

var customers = []string{"alice", "bob", "carol", "dave"}

// handleOrder prices an order. It is the function to probe first:
// a string and an int argument, an int and an error result.
//
//go:noinline
func handleOrder(customer string, qty int) (total int, err error) {
	if qty <= 0 {
		return 0, errors.New("quantity must be positive")
	}
	return qty * (100 + len(customer)), nil
}

func main() {
	seconds := 5
	if len(os.Args) > 1 {
		n, err := strconv.Atoi(os.Args[1])
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "usage: demo [seconds]\n")
			os.Exit(2)
		}
		seconds = n
	}

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	http.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello, %s\n", r.URL.Query().Get("name"))
	})
	go func() { check(http.Serve(listener, nil)) }()
	url := "http://" + listener.Addr().String() + "/hello?name="

	file := filepath.Join(os.TempDir(), "goprobe-demo.txt")
	check(os.WriteFile(file, []byte("goprobe demo data\n"), 0o644))
	defer os.Remove(file)

	fmt.Printf("demo: pid %d, running for %ds, serving on %s\n", os.Getpid(), seconds, listener.Addr())
	deadline := time.Now().Add(time.Duration(seconds) * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		customer := customers[i%len(customers)]
		total, err := handleOrder(customer, i%5)
		fmt.Printf("order %-5s qty %d: total %d, err %v\n", customer, i%5, total, err)

		resp, err := http.Get(url + customer)
		check(err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		check(err)
		fmt.Printf("GET %d %q\n", resp.StatusCode, body)

		data, err := os.ReadFile(file)
		check(err)
		fmt.Printf("read %d bytes\n", len(data))

		time.Sleep(100 * time.Millisecond)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		os.Exit(1)
	}
}
