module goprobe/oracles/funcsigs

go 1.19
