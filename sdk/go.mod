module github.com/hostd/hostd/sdk

go 1.23

require github.com/hostd/hostd/abi v0.0.0

replace github.com/hostd/hostd/abi => ../abi
