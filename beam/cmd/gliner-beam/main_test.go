package main

import (
	"errors"
	"flag"
	"testing"

	"github.com/gliner-go/gliner/beam/glinerbeam"
	"github.com/gliner-go/gliner/gliner"
)

// setFlags sets the pipeline flags for one test and restores them after.
func setFlags(t *testing.T, kv map[string]string) {
	t.Helper()
	for name, v := range kv {
		f := flag.CommandLine.Lookup(name)
		old := f.Value.String()
		if err := f.Value.Set(v); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Value.Set(old) })
	}
}

func TestConfig(t *testing.T) {
	setFlags(t, map[string]string{
		"input": "in/*.jsonl", "output": "out/run", "entity-labels": "disease, chemical,,",
		"label-threshold": "chemical=0.7", "offsets": "utf16", "long-texts": "error", "threads": "1",
	})
	c, err := config()
	if err != nil {
		t.Fatal(err)
	}
	o := c.Options
	if c.Entities != "out/run.entities.jsonl" || c.Counts != "out/run.counts.jsonl" || c.DeadLetter != "out/run.deadletter.jsonl" {
		t.Errorf("outputs %q %q %q", c.Entities, c.Counts, c.DeadLetter)
	}
	if len(o.Labels) != 2 || o.Labels[1] != "chemical" || o.LabelThresholds["chemical"] != 0.7 || o.Threshold != 0.5 ||
		o.Offsets != glinerbeam.UTF16 || o.LongTexts != gliner.RefuseLongTexts || o.Threads != 1 || o.BatchSize != gliner.DefaultBatchSize {
		t.Errorf("options %+v", o)
	}
}

// TestConfigDefaults checks the defaults `gliner extract` has: long texts
// chunked, offsets in code points.
func TestConfigDefaults(t *testing.T) {
	setFlags(t, map[string]string{"input": "in.jsonl", "output": "out/run", "entity-labels": "disease"})
	c, err := config()
	if err != nil {
		t.Fatal(err)
	}
	if c.Options.LongTexts != gliner.ChunkLongTexts || c.Options.Offsets != glinerbeam.Runes {
		t.Errorf("defaults: long texts %v, offsets %v; want chunk, runes", c.Options.LongTexts, c.Options.Offsets)
	}
}

func TestConfigErrors(t *testing.T) {
	base := map[string]string{"input": "in.jsonl", "output": "out/run", "entity-labels": "disease"}
	tests := map[string]map[string]string{
		"no labels":       {"entity-labels": ""},
		"no input":        {"input": ""},
		"no output":       {"output": ""},
		"bad offsets":     {"offsets": "chars"},
		"bad policy":      {"long-texts": "cut"},
		"old policy name": {"long-texts": "refuse"},
		"bad format":      {"format": "csv"},
		"zero batch":      {"batch": "0"},
		"bad threshold":   {"label-threshold": "chemical"},
		"built-in fp16":   {"variant": "fp16"},
		"bad threshold 2": {"label-threshold": "chemical=high"},
	}
	for name, kv := range tests {
		t.Run(name, func(t *testing.T) {
			setFlags(t, base)
			setFlags(t, kv)
			if _, err := config(); err == nil {
				t.Fatal("config() accepted the flags")
			} else if name == "no labels" && !errors.Is(err, glinerbeam.ErrOption) {
				t.Fatalf("err = %v, want ErrOption", err)
			}
		})
	}
}
