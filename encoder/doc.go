// Package encoder runs ONNX graphs with ONNX Runtime: it finds and loads the
// runtime library, opens sessions, checks a graph's inputs and outputs
// against a caller's contract, and runs it on plain Go tensors. It knows
// nothing of labels, prompts or GLiNER; package gliner builds the tensors and
// passes its contract. It is the module's only cgo package (through
// github.com/yalue/onnxruntime_go); built with CGO_ENABLED=0 it keeps its API
// and every constructor returns [ErrNoCgo].
//
// # Overview
//
//	s, err := encoder.Open("model.onnx", encoder.WithIntraOpThreads(4))
//	...
//	defer s.Close()
//	out, err := s.Run(ctx, []encoder.Tensor{
//		encoder.Int64Tensor("input_ids", []int64{1, 5}, ids),
//		encoder.BoolTensor("span_mask", []int64{1, 3}, mask),
//	})
//
// The ONNX Runtime shared library is found, on first use in the process, at
// the first of:
//
//  1. the [WithLibraryPath] option (a file, or a folder holding the library);
//  2. the environment variable ONNXRUNTIME_SHARED_LIBRARY_PATH ([LibraryPathEnv]),
//     file or folder;
//  3. the folder of the running executable (a library shipped beside the
//     program);
//  4. the per-user cache [UserLibraryDir]
//     (os.UserCacheDir()/gliner/onnxruntime/1.30.0), where [Install] and the
//     command `gliner setup` put the pinned library;
//  5. third_party/onnxruntime/ of the repository, where scripts/setup-ort.sh
//     puts the pinned library for developers of this module: the folder is
//     looked for at the first directory holding go.mod or
//     third_party/onnxruntime above the working directory, then above the
//     executable's directory;
//  6. system folders: the entries of LD_LIBRARY_PATH (DYLD_LIBRARY_PATH on
//     macOS), /usr/local/lib, /usr/local/lib64, /usr/lib/<multiarch>,
//     /lib/<multiarch>, /usr/lib64, /usr/lib, /opt/onnxruntime/lib;
//  7. the dynamic loader's own search (ld.so.cache, RUNPATH) for
//     libonnxruntime.so.1 and libonnxruntime.so.
//
// File names tried in each folder are libonnxruntime.so.1 and
// libonnxruntime.so (libonnxruntime.dylib, libonnxruntime.1.dylib and
// libonnxruntime.1.30.0.dylib on macOS, onnxruntime.dll on Windows). When 1
// or 2 is set it is the only place tried, so that a typo never silently
// loads another library. The first file that exists is used; if it cannot be
// loaded, that is the error (no further place is tried). When nothing is
// found the error is a *[LibraryNotFoundError] naming every place tried and
// the command that fixes it, `gliner setup`.
//
// [Install] needs no cgo: it downloads the onnxruntime-node npm tarball
// (or takes a mirror URL or a local file), checks it and the library inside
// against sha256 sums pinned in the module, resumes interrupted downloads,
// and renames the library into place only once it is complete and checked.
//
// Version policy: onnxruntime_go v1.27.0 is built against the ONNX Runtime C
// API level 24 ([APILevel]), so the library must be ONNX Runtime 1.24.0
// ([MinRuntimeVersion]) or newer; newer libraries provide older API levels
// and work. Before handing the library to onnxruntime_go, the package loads
// it, reads its version and asks it for API level 24; an older library gives
// a *[VersionError] saying to install a newer one. The tests run against
// [PinnedRuntimeVersion], which [Install] and scripts/setup-ort.sh install
// (checked by sha256). [LoadRuntime] reports what was loaded.
//
// # Concurrency
//
// onnxruntime_go has one global ONNX Runtime environment per process. This
// package creates it once, under a mutex, on the first successful
// [LoadRuntime], [Open] or [OpenBytes], and never destroys it; a failed load
// can be retried. Only one library can be loaded per process: asking for
// another path afterwards gives [ErrLibraryConflict]. If other code already
// initialised onnxruntime_go, the package uses that environment.
//
// A [Session] is safe for concurrent use. ONNX Runtime sessions allow
// concurrent runs, so [Session.Run] calls from many goroutines proceed in
// parallel, each with its own input and output tensors and run options.
// [Session.Close] waits for runs in progress to return, then releases the
// session; later runs return [ErrClosed]. Each session has its own ONNX
// Runtime thread pools (see [WithIntraOpThreads]); with many concurrent runs,
// fewer intra-op threads per session avoid oversubscribing the cores.
//
// Cancellation: Run registers context.AfterFunc(ctx, terminate) on per-run
// ONNX Runtime run options. When ctx is cancelled ONNX Runtime stops at the
// next operator boundary; Run waits for the C call to return and for the
// callback to finish before it frees any tensor or the run options, then
// returns an error wrapping ctx.Err().
//
// # Invariants
//
// Who frees what:
//   - Input tensors: Run wraps the caller's Go slices as ONNX Runtime values
//     without copying, and releases those wrappers before returning, on every
//     path. The slices must not be modified during the call; they are not
//     retained.
//   - Output tensors: ONNX Runtime allocates them (shapes may be dynamic); Run
//     copies each into fresh Go slices and releases every ONNX Runtime value
//     before returning, on every path (success, error, cancellation). The
//     returned [Tensor] values own their memory; nothing needs freeing.
//   - Session: [Session.Close] releases it; it is idempotent. Open releases
//     whatever it created when it fails part way (session options, temporary
//     sessions, provider options).
//   - The runtime library and environment stay loaded until the process
//     exits.
//
// The API holds no C types and no values of type any: tensors are [Tensor]
// structs with an [ElementType] and one typed data slice (int64, bool or
// float32, the types GLiNER models use). Float16 graph inputs and outputs
// (published fp16 and q4f16 models) are float32 tensors in the API: inputs
// are rounded to float16 (to nearest, ties to even) and outputs widened
// exactly, by a Cast to float32 appended to the model bytes at load (the
// file itself is not changed; such a graph is read into memory once).
// Rank-0 (scalar) inputs are not supported by onnxruntime_go; use shape [1].
//
// Opening a model reads its input and output declarations from the .onnx
// protobuf framing directly (skipping over the weights without reading them),
// then builds one ONNX Runtime session; a test checks that this reading
// agrees with ONNX Runtime's on every .onnx file in the repository. Models
// the reader cannot parse are handed to ONNX Runtime, which explains the
// problem.
//
// ONNX Runtime's own log (stderr) is limited to fatal messages: every error
// it reports reaches the caller as a Go error, and provider fallbacks are
// logged through [WithLogger].
//
// # Errors
//
// Every error wraps one of the sentinels, for errors.Is, and most come as a
// typed error with details, for errors.As:
//   - [ErrLibraryNotFound]: *[LibraryNotFoundError] (places tried);
//   - [ErrLibraryLoad]: *[LoadError] (a file exists but is not a loadable
//     ONNX Runtime library);
//   - [ErrLibraryVersion]: *[VersionError] (older than [MinRuntimeVersion]);
//   - [ErrLibraryConflict]: another library is already loaded;
//   - [ErrInvalidModel]: *[ModelError] (missing, truncated or corrupt .onnx,
//     or one ONNX Runtime cannot load);
//   - [ErrContract]: *[ContractError] (every [Difference] from a [Contract]);
//   - [ErrInvalidInput]: *[InputError] (Run inputs that do not fit the graph);
//   - [ErrRun]: *[RunError] (ONNX Runtime failed during a run);
//   - [ErrUnsupportedType]: an output that is not float32, float16, int64
//     or bool;
//   - [ErrInvalidOption], [ErrClosed], [ErrNoCgo];
//   - from [Install]: [ErrDownload] (*[DownloadError]), [ErrChecksum]
//     (*[ChecksumError]), [ErrArchive], [ErrUnsupportedPlatform].
//
// A cancelled run returns an error wrapping context.Canceled or
// context.DeadlineExceeded. No input, model file or library makes the package
// panic.
package encoder
