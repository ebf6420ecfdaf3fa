module goprobe.test/oracles/prologue

go 1.19
