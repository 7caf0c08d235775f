// Module testdata holds the test fixtures, goldens, checkpoints and corpora of
// github.com/gliner-go/gliner. It is a module of its own only so that the Go
// module zip of the library (what `go get` downloads) leaves them out; the
// tests read these files from a clone of the repository.
module github.com/gliner-go/gliner/testdata

go 1.26.0
