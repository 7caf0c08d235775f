package span

import (
	"errors"
	"fmt"
	"strings"
)

// ErrTagSet is returned (wrapped) by [NewTagSet] for a tag list it cannot use.
var ErrTagSet = errors.New("span: invalid tag set")

// ErrAggregation is returned (wrapped) by [BIODecoder.Decode] for an
// aggregation strategy that cannot be applied to the given windows.
var ErrAggregation = errors.New("span: invalid aggregation")

// TagScheme says how tag names of a token classifier are read.
type TagScheme int

const (
	// SchemeIOB reads tags exactly as Hugging Face's token-classification
	// pipeline does: "B-X" begins an entity of type X, "I-X" continues one,
	// and any other tag (such as "O" or an unprefixed "Disease") is an
	// inside tag of its own whole name. This covers IOB2, IOB1 (where B-
	// only separates adjacent entities of one type), plain "O" and
	// unprefixed tags. The reported type is, as in the pipeline, the tag
	// after its first "-" (so an unprefixed "COVID-19" reports type "19").
	SchemeIOB TagScheme = iota
	// SchemeBIOES adds the single and last prefixes of BIOES ("S-", "E-")
	// and BILOU ("U-", "L-"): S-/U- form a one-token entity, E-/L- continue
	// an entity of their type and close it. The pipeline knows none of these
	// (it would split "B-X I-X E-X" into two entities); this scheme is this
	// package's extension. Unprefixed tags report their whole name.
	SchemeBIOES
)

// String returns "IOB" or "BIOES".
func (s TagScheme) String() string {
	switch s {
	case SchemeIOB:
		return "IOB"
	case SchemeBIOES:
		return "BIOES"
	}
	return fmt.Sprintf("TagScheme(%d)", int(s))
}

// DetectTagScheme returns SchemeBIOES if a tag starts with "S-", "E-",
// "U-" or "L-", and SchemeIOB otherwise.
func DetectTagScheme(tags []string) TagScheme {
	for _, t := range tags {
		if len(t) >= 2 && t[1] == '-' && strings.ContainsRune("SEUL", rune(t[0])) {
			return SchemeBIOES
		}
	}
	return SchemeIOB
}

// role is a tag's part in an entity.
type role uint8

const (
	roleInside role = iota // I-, E-/L- (with closes), unprefixed
	roleBegin              // B-, S-/U- (with closes)
)

type tagInfo struct {
	role   role
	closes bool // S-, E-, U-, L-: the entity ends with this token
	group  int  // grouping key (the pipeline's get_tag tag)
	typ    int  // reported type
}

// TagSet is the parsed tag list (id2label) of a token classifier. It is
// immutable and safe for concurrent use.
type TagSet struct {
	scheme TagScheme
	names  []string
	info   []tagInfo
	types  []string
}

// NewTagSet parses the tags of a model, tags[i] being the name of label id
// i. It returns an error wrapping [ErrTagSet] for an empty list, an empty
// tag name or an unknown scheme.
func NewTagSet(tags []string, scheme TagScheme) (*TagSet, error) {
	if len(tags) == 0 {
		return nil, fmt.Errorf("%w: no tags", ErrTagSet)
	}
	if scheme != SchemeIOB && scheme != SchemeBIOES {
		return nil, fmt.Errorf("%w: unknown %v", ErrTagSet, scheme)
	}
	ts := &TagSet{scheme: scheme, names: append([]string(nil), tags...), info: make([]tagInfo, len(tags))}
	groups := map[string]int{}
	types := map[string]int{}
	intern := func(m map[string]int, s string, list *[]string) int {
		if i, ok := m[s]; ok {
			return i
		}
		m[s] = len(m)
		if list != nil {
			*list = append(*list, s)
		}
		return m[s]
	}
	for i, name := range tags {
		if name == "" {
			return nil, fmt.Errorf("%w: tag %d has an empty name", ErrTagSet, i)
		}
		r, closes, group, typ := parseTag(name, scheme)
		ts.info[i] = tagInfo{role: r, closes: closes, group: intern(groups, group, nil), typ: intern(types, typ, &ts.types)}
	}
	return ts, nil
}

// parseTag returns a tag's role, whether it closes its entity, its grouping
// key and its reported type.
func parseTag(name string, scheme TagScheme) (r role, closes bool, group, typ string) {
	if len(name) >= 2 && name[1] == '-' {
		rest := name[2:]
		switch name[0] {
		case 'B':
			return roleBegin, false, rest, rest
		case 'I':
			return roleInside, false, rest, rest
		}
		if scheme == SchemeBIOES {
			switch name[0] {
			case 'S', 'U':
				return roleBegin, true, rest, rest
			case 'E', 'L':
				return roleInside, true, rest, rest
			}
		}
	}
	if scheme == SchemeIOB {
		// The pipeline's group_sub_entities: entity.split("-", 1)[-1].
		_, after, found := strings.Cut(name, "-")
		if found {
			return roleInside, false, name, after
		}
	}
	return roleInside, false, name, name
}

// Len returns the number of tags.
func (t *TagSet) Len() int { return len(t.names) }

// Tag returns the name of tag id.
func (t *TagSet) Tag(id int) string { return t.names[id] }

// Scheme returns the scheme the tags were parsed with.
func (t *TagSet) Scheme() TagScheme { return t.scheme }

// NumTypes returns the number of distinct entity types (including "O").
func (t *TagSet) NumTypes() int { return len(t.types) }

// Type returns the name of entity type i, as [BIOEntity.Type] reports it.
func (t *TagSet) Type(i int) string { return t.types[i] }

// TypeIndex returns the index of the entity type with the given name.
func (t *TagSet) TypeIndex(name string) (int, bool) {
	for i, s := range t.types {
		if s == name {
			return i, true
		}
	}
	return 0, false
}

// TagType returns the entity type index of tag id.
func (t *TagSet) TagType(id int) int { return t.info[id].typ }
