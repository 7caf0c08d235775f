# Make targets. The two commands the README promises:
#   make demo   - extract entities from an example biomedical text with the built-in model
#   make test   - the whole test suite (installs what it needs first)
GO        ?= go
GOTEST    ?= $(GO) test
TESTFLAGS ?= -timeout 25m

.PHONY: all demo test deps deps-run vet test-nocgo fuzz soak bench bench-variants bench-peers fixtures goldens variants train-default eval-default eval-casing doc-texts test-beam beam-demo

all: test

## deps-run: what running the library needs (ONNX Runtime shared library).
deps-run:
	scripts/setup-ort.sh

## deps: everything the tests need (ONNX Runtime, Debian python packages, node oracles, chromium).
deps: deps-run
	scripts/setup-python.sh
	scripts/setup-node.sh
	@if [ -x scripts/setup-gliner-js.sh ]; then scripts/setup-gliner-js.sh; fi
	@if [ -x scripts/setup-chromium.sh ]; then scripts/setup-chromium.sh; fi

## demo: run extraction on the built-in model with an example text.
demo: deps-run
	$(GO) run ./cmd/gliner extract --labels "disease,chemical,gene" < examples/quickstart.txt

## vet: go vet, also of the optional daulet backend (the nested module tokenize/daulet).
vet:
	$(GO) vet ./...
	scripts/vet-daulet.sh

## test-nocgo: span and tokenize build and test without cgo.
test-nocgo:
	CGO_ENABLED=0 $(GO) vet ./span/... ./tokenize/... ./encoder/...

## test: the whole suite: vet, the no-cgo build, every fuzz target briefly, then all tests.
test: deps vet test-nocgo
	/usr/bin/python3 -m unittest discover -s tools/reference -p 'test_*.py'
	/usr/bin/python3 -m unittest discover -s tools/train -t . -p 'test_*.py'
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)
	$(GOTEST) $(TESTFLAGS) ./...
	$(MAKE) --no-print-directory test-beam

## fuzz: run every fuzz target briefly (FUZZTIME each) and print its executions.
## make test gives each target a count (TEST_FUZZTIME executions), not a duration: with a
## duration, Go 1.26's fuzzing coordinator can report a spurious "context deadline exceeded"
## when the deadline fires while a worker is busy (golang/go#75804, fixed in Go 1.27), which
## a loaded machine makes likely.
TEST_FUZZTIME ?= 2000x
## FUZZMINIMIZE bounds the minimizing of each new input: Go's default (60 s)
## lets a short run spend all its time minimizing (3 executions in 3 s).
FUZZTIME     ?= 10s
FUZZMINIMIZE ?= 100x
FUZZPKGS     ?= ./tokenize ./span ./encoder ./gliner ./internal/evaluate ./internal/server
fuzz:
	@log=$$(mktemp); trap 'rm -f $$log' EXIT; \
	for pkg in $(FUZZPKGS); do \
	  for f in $$($(GO) test -list 'Fuzz.*' $$pkg | grep ^Fuzz); do \
	    if ! $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) $$pkg >$$log 2>&1; then \
	      cat $$log; exit 1; \
	    fi; \
	    n=$$(grep -o 'execs: [0-9]*' $$log | tail -1 | cut -d' ' -f2); \
	    echo "$$pkg $$f: $${n:-0} executions in $(FUZZTIME)"; \
	  done; \
	done

## soak: 1,000,000 extractions on the span-bert fixture from 8 goroutines, with the HTTP server
## under 2 loopback clients; prints RSS, goroutines and open fds every 100,000 and fails if they
## grow beyond the bounds of internal/cmd/soak (the test suite runs a 20,000 version).
SOAKFLAGS ?= -n 1000000 -every 100000
soak: deps-run
	$(GO) run ./internal/cmd/soak $(SOAKFLAGS)

## bench: benchmarks of the hot paths, and the tokenizers against the Rust library and sugarme/tokenizer.
bench: deps
	$(GOTEST) -run '^$$' -bench . -benchmem ./tokenize/ ./span/ ./gliner/
	scripts/bench-tokenize.sh

## bench-variants: the README's ONNX variant table: gliner eval of every variant fixture on
## NCBI-disease test (F1, texts/s and CPU per text against fp32 in the same run, file size,
## peak RSS; ~5 min).
bench-variants: deps-run
	scripts/bench-variants.sh 5

## bench-peers: factorised span kernel vs full graph and GLiNER.js on a gliner_small-sized random-weight model
## (built under .cache/ on first use, ~3 min; then ~15 min on 2 cores).
bench-peers: deps-run
	scripts/bench-peers.sh

## variants: regenerate the ONNX variant fixtures of span-bert (python3-onnx, seconds).
variants:
	/usr/bin/python3 testdata/models/gen_variants.py

## fixtures: regenerate the fixture models (tens of minutes; needs python3-torch), then run make goldens.
SHARED ?= testdata/shared
fixtures:
	scripts/setup-train.sh
	/usr/bin/python3 testdata/models/gen_fixtures.py
	/usr/bin/python3 testdata/models/gen_variants.py
	/usr/bin/python3 -m tools.bio.train --shared $(SHARED) --out testdata/models/bio-bert
	tools/biencoder/build.sh --train

## goldens: regenerate the golden outputs of the Python reference.
goldens:
	scripts/gen_goldens.sh

## train-default: train the built-in model from the shared corpora (preset "default": 69.5 minutes
## on 2 cores for the shipped model; the time cap, 80 minutes, keeps it under 90).
train-default:
	scripts/setup-train.sh
	/usr/bin/python3 -m tools.train.train --preset default --shared $(SHARED) \
	    --workdir .cache/train-default --export-dir internal/builtin/model

## eval-default: score the built-in model on the three test splits with gliner eval, each with its
## own labels and with all three labels prompted (the model card's tables; reports in .cache/eval-default).
eval-default: deps-run
	mkdir -p .cache/eval-default
	$(GO) build -o .cache/eval-default/gliner ./cmd/gliner
	.cache/eval-default/gliner eval --data $(SHARED)/data/conll/ncbi-disease/test.tsv \
	    --labels "Disease=disease" --report .cache/eval-default/ncbi-disease.json
	.cache/eval-default/gliner eval --data $(SHARED)/data/conll/bc5cdr/test.tsv \
	    --labels "Chemical=chemical,Disease=disease" --report .cache/eval-default/bc5cdr.json
	.cache/eval-default/gliner eval --data $(SHARED)/data/conll/bc2gm/test.tsv \
	    --labels "GENE=gene" --report .cache/eval-default/bc2gm.json
	.cache/eval-default/gliner eval --data $(SHARED)/data/conll/ncbi-disease/test.tsv \
	    --labels "Disease=disease" --extra-labels chemical,gene --report .cache/eval-default/ncbi-disease-all.json
	.cache/eval-default/gliner eval --data $(SHARED)/data/conll/bc5cdr/test.tsv \
	    --labels "Chemical=chemical,Disease=disease" --extra-labels gene --report .cache/eval-default/bc5cdr-all.json
	.cache/eval-default/gliner eval --data $(SHARED)/data/conll/bc2gm/test.tsv \
	    --labels "GENE=gene" --extra-labels disease,chemical --report .cache/eval-default/bc2gm-all.json
	scripts/eval-casing.sh .cache/eval-default

## eval-casing: recall of the built-in model on the casing test set (testdata/casing) per casing.
eval-casing: deps-run
	scripts/eval-casing.sh

## doc-texts: what the built-in model returns on the texts of the docs (the model card's table).
doc-texts: deps-run
	scripts/doc-texts.sh

## The Apache Beam pipeline is its own module (beam/), so that the library does not carry Beam's
## dependencies; discovery of the ONNX Runtime library stops at beam/go.mod, hence the variable.
BEAM_ORT = ONNXRUNTIME_SHARED_LIBRARY_PATH=$${ONNXRUNTIME_SHARED_LIBRARY_PATH:-$(CURDIR)/third_party/onnxruntime}

## test-beam: the Beam pipeline's tests on the in-process Prism runner (compares with gliner extract).
test-beam: deps-run
	cd beam && $(BEAM_ORT) $(GOTEST) $(TESTFLAGS) ./...

## beam-demo: the Beam pipeline on Prism over the PubTator test files, built-in model
## (outputs in .cache/beam-demo/run.{entities,counts,deadletter}.jsonl).
beam-demo: deps-run
	mkdir -p .cache/beam-demo
	cd beam && $(BEAM_ORT) $(GO) run ./cmd/gliner-beam --runner=prism \
	    --input '$(abspath $(SHARED))/data/pubtator/*.pubtator.txt' \
	    --output $(CURDIR)/.cache/beam-demo/run --entity-labels disease,chemical,gene
	cat .cache/beam-demo/run.counts.jsonl
