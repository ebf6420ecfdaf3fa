module goprobe.test/oracles/gosym

go 1.19
