// Package hubtest runs a local HTTP server that speaks the part of the
// Hugging Face hub protocol package hub uses (the model listing with blobs,
// and file resolution with LFS redirects), for tests without network.
//
// # Overview
//
// [New] serves one or more [Repo] values on a loopback port;
// point HF_ENDPOINT (or hub.Client.Endpoint) at [Server.URL].
//
// # Concurrency
//
// A Server is safe for concurrent requests.
//
// # Invariants
//
// LFS files answer /resolve with a 302 to /cdn/... carrying
// X-Repo-Commit, X-Linked-Etag (sha256) and X-Linked-Size; other files are
// served directly with ETag (the git blob id). Range requests are honoured.
//
// # Errors
//
// Unknown repositories, revisions and files are 404; a missing or
// wrong bearer token (when the server has one) is 401.
package hubtest
