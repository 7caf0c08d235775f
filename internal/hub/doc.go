// Package hub downloads GLiNER model folders from the Hugging Face hub (or a
// mirror speaking its protocol) into the cache layout the Hugging Face tools
// use, so that Python and Go share downloads.
//
// # Overview
//
// [Client.Download] lists a repository at a revision with
// GET {endpoint}/api/models/{repo}/revision/{rev}?blobs=true (the commit and
// the files, with sizes, git blob ids and, for LFS files, sha256), picks the
// files a GLiNER model needs ([SelectFiles]: gliner_config.json, the
// tokenizer files and one ONNX [Variant]) and fetches each with
// GET {endpoint}/{repo}/resolve/{commit}/{path}, following redirects.
//
// The cache is laid out exactly as huggingface_hub does it ([CacheDir]):
//
//	<cache>/models--owner--name/blobs/<etag>                 file contents
//	<cache>/models--owner--name/snapshots/<commit>/<path>    relative symlinks to the blobs
//	<cache>/models--owner--name/refs/<revision>              the commit a branch or tag points to
//
// where the etag is the sha256 of an LFS file and the git blob id (sha1) of
// any other file. Downloads go to blobs/<etag>.incomplete and resume from
// there with an HTTP Range request, after an interrupted transfer within the
// same call (up to [Client.Retries] times) or in a later call. Every file is
// verified against the listing (sha256 for LFS files, the git blob hash for
// the others) both after download and when found in the cache; a corrupt
// file is deleted and fetched again.
//
// With [Client.Offline] (HF_HUB_OFFLINE=1), or when the endpoint cannot be
// reached and the revision is in the cache, the cached snapshot is used
// without network access ([Client.Cached]).
//
// # Concurrency
//
// A [Client] may be used by several goroutines, but two downloads of the
// same repository into the same cache at the same time (in one process or
// several) are not coordinated: run one at a time.
//
// # Invariants
//
// A file appears under snapshots/ only after its blob has been verified; a
// revision's ref is written only after all its files are in place.
//
// # Errors
//
// [ErrNotFound] (repository, revision or file missing, HTTP 404),
// [ErrUnauthorized] (HTTP 401/403: set HF_TOKEN), [ErrNoVariant] (no ONNX
// file of the asked variant), [ErrNotGLiNER] (no gliner_config.json),
// [ErrChecksum] (a file still corrupt after a fresh download), [ErrNotCached]
// (offline and the revision is not in the cache). HTTP failures are
// [*HTTPError] values that wrap the matching sentinel.
package hub
