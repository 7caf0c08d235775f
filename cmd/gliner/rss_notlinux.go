//go:build !linux

package main

// resetPeakRSS cannot reset the high-water mark on this platform.
func resetPeakRSS() bool { return false }

// windowPeakRSSMB is not measured on this platform.
func windowPeakRSSMB() float64 { return 0 }
