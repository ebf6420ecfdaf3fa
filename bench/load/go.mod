module goprobe.bench/load

go 1.19
