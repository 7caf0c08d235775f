package evaluate

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// PeakRSS returns the process's resident-set high-water mark in bytes
// (VmHWM in /proc/self/status), or 0 where that file does not exist.
func PeakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	return parseVmHWM(f)
}

func parseVmHWM(f *os.File) uint64 {
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return 0
		}
		kb, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			return 0
		}
		return kb * 1024
	}
	return 0
}
