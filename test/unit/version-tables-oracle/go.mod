module vtoracle

go 1.19
