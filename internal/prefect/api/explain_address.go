package api

import (
	"bytes"
	"context"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// AddressReport is what the API says about one address, for explain:
// names and facts only, never a value.
type AddressReport struct {
	Address resolve.Address
	// Why the address has no value, in get's words ("" when it has one).
	Why string

	// A block: whether the server knows its type (and the type's name),
	// whether the document exists, whether the key path leads somewhere
	// (true for no path), and whether what it leads to is null.
	TypeKnown bool
	TypeName  string
	Found     bool
	PathFound bool
	Null      bool
	// Unwrapped: the data is exactly {"value": X} and the path does not
	// start at "value", so the address means X (as Prefect reads it).
	Unwrapped bool
	// Fields are the names of the fields where the key path stops being
	// found (the data's, or the unwrapped value's), when it is missing.
	Fields []string
	// Keys are the key path as it walks the data ("value" first when
	// Unwrapped); SecretFields the schema's secret_fields; Relation how
	// Keys stand to them, Matched the ones that decide it.
	Keys         []string
	SecretFields []string
	Relation     FieldRelation
	Matched      []string
}

// ExplainAddress reads what a resolves to as get would (one GET, with
// the block's secrets, which go nowhere) and says what exists of it.
func (s *Source) ExplainAddress(ctx context.Context, a resolve.Address) (*AddressReport, error) {
	if err := s.needV2(); err != nil {
		return nil, err
	}
	c, err := s.api()
	if err != nil {
		return nil, err
	}
	return c.ExplainAddress(ctx, a)
}

// ExplainAddress: see Source.ExplainAddress.
func (c *Client) ExplainAddress(ctx context.Context, a resolve.Address) (*AddressReport, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	var f fetched
	if a.Kind == resolve.VariableAddress {
		f = c.readVariable(ctx, a.Variable)
	} else {
		f = c.readBlock(ctx, blockKey{a.Slug, a.Block})
	}
	if f.err != nil {
		return nil, f.err
	}
	r := &AddressReport{Address: a, Found: f.found, TypeKnown: !f.unknownType}
	_, r.Why = c.addressValue(a, &f)
	if a.Kind == resolve.VariableAddress || !f.found {
		return r, nil
	}
	r.TypeName, r.SecretFields = f.typeName, f.secretFields
	v := unwrapValue(f.data, a.Path, a.HasPath)
	r.Unwrapped = !bytes.Equal(v, f.data)
	var keys []string
	if r.Unwrapped {
		keys = []string{"value"}
	}
	r.PathFound = true
	if a.HasPath {
		keys = append(keys, splitKeyPath(a.Path)...)
		at, ok := walkKeyPath(v, a.Path)
		r.PathFound = ok
		if !ok {
			r.Fields = c.redactEach(fieldNames(v))
		}
		v = at
	}
	r.Null = r.PathFound && firstByte(v) == 'n'
	r.Keys = keys
	r.Relation, r.Matched = secretRelation(keys, r.SecretFields)
	return r, nil
}
