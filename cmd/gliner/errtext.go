package main

import "strings"

// layers are the "pkg: " prefixes of the errors of this module's packages.
var layers = map[string]bool{
	"gliner": true, "tokenize": true, "encoder": true, "span": true,
	"hub": true, "evaluate": true, "server": true, "offsets": true,
}

// errorText is an error's message with each package prefix kept once: the
// library wraps its sentinels ("gliner: missing model file") in errors that
// carry the prefix too ("gliner: model DIR: ..."), which would print as
// "gliner extract: gliner: model DIR: gliner: missing model file". The
// "gliner" prefix is dropped altogether, since every message the CLI prints
// starts with "gliner <command>:".
func errorText(err error) string {
	seen := map[string]bool{"gliner": true}
	parts := strings.Split(err.Error(), ": ")
	out := parts[:0]
	for _, p := range parts {
		if layers[p] {
			if seen[p] {
				continue
			}
			seen[p] = true
		}
		out = append(out, p)
	}
	return strings.Join(out, ": ")
}
