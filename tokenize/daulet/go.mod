module github.com/gliner-go/gliner/tokenize/daulet

go 1.26.0

require (
	github.com/daulet/tokenizers v1.24.0
	github.com/gliner-go/gliner v0.0.0
)

require (
	github.com/rivo/uniseg v0.4.7 // indirect
	golang.org/x/text v0.43.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

replace github.com/gliner-go/gliner => ../..
