//go:build !linux

package engine

func osYield() {}
