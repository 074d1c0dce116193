module github.com/hostd/hostd/abi

go 1.21
