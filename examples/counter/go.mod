module github.com/hostd/hostd/examples/counter

go 1.23

require (
	github.com/hostd/hostd/abi v0.0.0
	github.com/hostd/hostd/sdk v0.0.0
)

replace github.com/hostd/hostd/sdk => ../../sdk

replace github.com/hostd/hostd/abi => ../../abi
