// Package server serves a GLiNER model over HTTP with a small JSON API.
//
// # Overview
//
//	POST /v1/extract   {"text": "...", "labels": ["disease"], "threshold": 0.5,
//	                    "nested": false, "multi_label": false,
//	                    "label_thresholds": {"disease": 0.3}, "offsets": "runes",
//	                    "long_texts": "chunk"}
//	                   → 200 {"entities": [{"start", "end", "text", "label", "score"}],
//	                          "windows": 1, "label_groups": 1, "chunked": false, ...}
//	                   with "texts": [...] instead of "text":
//	                   → 200 {"results": [{"entities": [...]}, ...]}
//	GET  /healthz      → 200 {"status": "ok"}
//	GET  /metrics      → Prometheus text exposition (version 0.0.4)
//
// Offsets: start and end are half-open offsets into the text in the unit
// the request's "offsets" names: "runes" (code points, the default), "bytes"
// (UTF-8) or "utf16" (code units), the same units and default as the CLI's
// extract --offsets (package internal/offsets). Repeated labels are passed
// to the model, which keeps the first of each, as the library and the CLI
// do; they count once against the label limit.
//
// Long texts: "long_texts" is the policy for texts longer than one model
// call takes, "chunk", "truncate" or "error" ([ParseLongTexts]), default
// [Config.LongTexts]. Each answer carries [Meta], how its text was run
// ("windows", "label_groups", "chunked", "truncated", "dropped_words",
// "cut_words", each left out when zero or false), when the extractor is
// a [ResultExtractor] as [gliner.Model] is. Thresholds are checked as the
// library checks them, with its messages ([CheckThresholds]).
//
// Errors are JSON bodies {"error": "message"} with these statuses:
// 400 malformed JSON, neither or both of text and texts, no labels, an empty
// label, too many labels or texts, a threshold NaN or outside [0, 1], a
// per-label threshold of a label not asked for, an unknown offsets unit or
// long-text policy, and input the model rejects (a label it cannot take, such
// as one longer than its label limit or outside a fixed schema, or a text
// it refuses), with the library's message;
// 405 wrong method; 413 body larger than the limit; 415 a Content-Type other
// than application/json, text/json or (what curl -d sends)
// application/x-www-form-urlencoded, the body being parsed as JSON in all
// three cases; 429 all extraction slots busy (with Retry-After: 1, returned at
// once, never queued); 504 the per-request timeout expired; 500 the
// extractor failed. A request whose client went away is abandoned: its
// context is cancelled, which reaches the extractor, and it is counted with
// code 499 in the metrics.
//
// Metrics: gliner_http_requests_total{path,code} counter,
// gliner_http_request_duration_seconds{path} histogram,
// gliner_http_in_flight_requests gauge, gliner_extract_texts_total counter
// and gliner_extract_slots gauge (the concurrency limit).
//
// [Server.Serve] runs the server on a listener until its context is done,
// then shuts down gracefully: it stops accepting connections and waits for
// the requests in flight to be answered.
//
// # Concurrency
//
// A [Server] handles requests concurrently; at most [Config.Concurrency]
// extractor calls run at the same time. The [Extractor] must be safe for
// concurrent use ([gliner.Model] is).
//
// # Invariants
//
// Every request that reaches the handler gets exactly one response (unless
// its client disconnected) and is counted once in the metrics.
//
// # Errors
//
// [Server.Serve] returns the listener's error, or nil after a graceful
// shutdown; [ErrShutdownTimeout] when requests were still running at the
// end of [Config.ShutdownTimeout].
package server
