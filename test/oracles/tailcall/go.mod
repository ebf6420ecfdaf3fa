module goprobe.test/oracles/tailcall

go 1.19
