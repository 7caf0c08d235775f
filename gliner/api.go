package gliner

// Entity is one typed span found in a text.
//
// Start and End are byte offsets into the text, half-open, so that
// text[Start:End] == Text; RuneStart and RuneEnd are the same span in
// Unicode code points, the offsets the Python reference reports.
type Entity struct {
	Label     string  `json:"label"`
	Score     float64 `json:"score"`
	Text      string  `json:"text"`
	Start     int     `json:"start"`
	End       int     `json:"end"`
	RuneStart int     `json:"rune_start"`
	RuneEnd   int     `json:"rune_end"`
}
