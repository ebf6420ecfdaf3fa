module goprobe/oracles/dwarfabi

go 1.22.0

require github.com/go-delve/delve v1.25.2
