//go:build !linux

package main

import (
	"errors"
	"syscall"
	"time"
)

func childAttr() *syscall.SysProcAttr { return nil }

// procMemory needs /proc: the worker's memory is reported on Linux only.
func procMemory(int) (Memory, error) {
	return Memory{}, errors.New("peak RSS is read from /proc (Linux only)")
}

func procCPU(int) (time.Duration, error) {
	return 0, errors.New("CPU time is read from /proc (Linux only)")
}

func selfCPU() time.Duration { return 0 }
