module example.com/unnamed

go 1.19
