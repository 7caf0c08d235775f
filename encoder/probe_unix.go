//go:build cgo && !windows

package encoder

/*
#cgo linux LDFLAGS: -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// The first two members of OrtApiBase, stable since ONNX Runtime 1.0.
typedef struct {
	const void *(*GetApi)(uint32_t version);
	const char *(*GetVersionString)(void);
} probeApiBase;

typedef const probeApiBase *(*probeGetApiBase)(void);

typedef struct {
	int code;            // see probeCode in Go
	char version[64];    // GetVersionString
	char path[4096];     // the file the loader opened (dladdr)
	char err[1024];      // dlerror text
} probeResult;

static void probe_copy(char *dst, size_t n, const char *src) {
	if (src == NULL) src = "";
	strncpy(dst, src, n - 1);
	dst[n - 1] = 0;
}

// probe_library opens name as onnxruntime_go will (RTLD_LAZY), reads the
// version and checks that the C API level is provided. On success with keep
// set the library stays loaded (onnxruntime_go's dlopen then shares it);
// otherwise it is closed again.
static void probe_library(const char *name, uint32_t level, int keep, probeResult *r) {
	memset(r, 0, sizeof *r);
	void *h = dlopen(name, RTLD_LAZY);
	if (h == NULL) {
		r->code = 1;
		probe_copy(r->err, sizeof r->err, dlerror());
		return;
	}
	void *fn = dlsym(h, "OrtGetApiBase");
	if (fn == NULL) {
		r->code = 2;
		probe_copy(r->err, sizeof r->err, dlerror());
		dlclose(h);
		return;
	}
	Dl_info info;
	if (dladdr(fn, &info) != 0) probe_copy(r->path, sizeof r->path, info.dli_fname);
	const probeApiBase *base = ((probeGetApiBase)fn)();
	if (base == NULL) {
		r->code = 3;
		dlclose(h);
		return;
	}
	probe_copy(r->version, sizeof r->version, base->GetVersionString());
	if (base->GetApi(level) == NULL) r->code = 4;
	if (r->code != 0 || !keep) dlclose(h);
}
*/
import "C"

import (
	"errors"
	"unsafe"
)

// probeCode is the outcome of probe_library.
type probeCode int

const (
	probeOK       probeCode = iota
	probeNoOpen             // dlopen failed
	probeNoSymbol           // not an ONNX Runtime library
	probeNoBase             // OrtGetApiBase returned NULL
	probeOldAPI             // the C API level is not provided
)

type probeResult struct {
	code    probeCode
	version string
	path    string // resolved file, "" if unknown
	err     error
}

// probeLibrary loads name and reads its version and API level. With keep
// true and a good library, the library stays loaded.
func probeLibrary(name string, keep bool) probeResult {
	cName := C.CString(name)
	defer C.free(unsafe.Pointer(cName))
	var r C.probeResult
	k := C.int(0)
	if keep {
		k = 1
	}
	C.probe_library(cName, C.uint32_t(APILevel), k, &r)
	out := probeResult{
		code:    probeCode(r.code),
		version: C.GoString(&r.version[0]),
		path:    C.GoString(&r.path[0]),
	}
	switch out.code {
	case probeNoOpen, probeNoSymbol:
		out.err = errors.New(C.GoString(&r.err[0]))
	case probeNoBase:
		out.err = errors.New("OrtGetApiBase returned NULL")
	}
	return out
}

// resolveBare returns the file the dynamic loader finds for a bare library
// name, or "".
func resolveBare(name string) string {
	r := probeLibrary(name, false)
	if r.code == probeNoOpen {
		return ""
	}
	if r.path != "" {
		return r.path
	}
	return name
}
