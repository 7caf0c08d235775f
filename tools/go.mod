// Module tools holds the Python and node tooling of github.com/gliner-go/gliner
// (training, reference goldens, oracles). It is a module of its own only so
// that the Go module zip of the library leaves it out.
module github.com/gliner-go/gliner/tools

go 1.26.0

require golang.org/x/mod v0.43.0
