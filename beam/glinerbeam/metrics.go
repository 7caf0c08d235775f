package glinerbeam

import "github.com/apache/beam/sdks/v2/go/pkg/beam"

// Namespace is the namespace of the pipeline's Beam metrics.
const Namespace = "gliner"

// The pipeline's metrics (see the package documentation).
var (
	documents  = beam.NewCounter(Namespace, "documents")
	failures   = beam.NewCounter(Namespace, "failures")
	blankLines = beam.NewCounter(Namespace, "blank_lines")
	entities   = beam.NewCounter(Namespace, "entities")
	modelTime  = beam.NewDistribution(Namespace, "model_time_us")
)

// labelCounter is the counter of entities of one label.
func labelCounter(label string) beam.Counter {
	return beam.NewCounter(Namespace, "entities/"+label)
}
