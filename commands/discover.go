package commands

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Discovery: list --blocks names every addressable secret field of every
// block (api.Source.BlockFields, which reads the documents WITHOUT their
// secrets), explain ADDRESS says what of an address exists
// (explain_address.go), and completion offers the addresses
// (completion.go). Only the Prefect 2/3 API holds blocks.

// addressAPI is the Prefect API for what only it can answer (what, e.g.
// "list --blocks"), or a usage error when the sources asked leave it out.
func (g *globals) addressAPI(what string) (*api.Source, error) {
	order, _, err := g.sourceOrder()
	if err != nil {
		return nil, err
	}
	if !slices.Contains(order, "cloud") {
		return nil, &resolve.Error{Kind: resolve.ErrUsage, Msg: fmt.Sprintf("%s: blocks and variables are read from the Prefect 2/3 API, and the sources asked leave out cloud", what),
			Hint: "add cloud to --sources (or PREFECT_SECRETS_SOURCES), e.g. --sources context,keyring,cloud"}
	}
	if g.verbose {
		g.logf("sources: cloud (only the Prefect 2/3 API holds blocks and variables)")
	}
	return g.cloud(), nil
}

// noAddressAPI turns the API's absence (none configured, or Prefect 1's)
// into the error for what, as a read of an address gives it.
func noAddressAPI(what string, err error) error {
	var ae *resolve.AbsentError
	if errors.As(err, &ae) {
		return &resolve.Error{Kind: resolve.ErrUnavailable, Msg: fmt.Sprintf("%s: blocks and variables are read from the Prefect 2/3 API, and %s", what, ae.Reason), Hint: ae.Hint}
	}
	return err
}

// blockListing is one line of list --blocks --json: list's "name" and
// "source", and what the address is made of.
type blockListing struct {
	Name        string `json:"name"`
	Source      string `json:"source"`
	BlockType   string `json:"block_type"`
	Block       string `json:"block"`
	SecretField string `json:"secret_field"`
}

// listBlocks prints the address of every secret field of every block.
func (g *globals) listBlocks(asJSON bool) error {
	src, err := g.addressAPI("list --blocks")
	if err != nil {
		return err
	}
	fields, skipped, err := src.BlockFields(g.ctx())
	if err != nil {
		return noAddressAPI("list --blocks", err)
	}
	for _, s := range skipped {
		fmt.Fprintf(g.io.Err, "prefect-secrets: warning: %s is left out: an address cannot hold its name (letters, digits, _ and - only)\n", s)
	}
	g.logf("cloud: %d secret %s in the block documents", len(fields), plural(len(fields), "field", "fields"))
	switch {
	case asJSON:
		out := make([]blockListing, len(fields))
		for i, f := range fields {
			out[i] = blockListing{Name: f.Address, Source: src.Name(), BlockType: f.Slug, Block: f.Block, SecretField: f.SecretField}
		}
		enc := json.NewEncoder(g.io.Out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case len(fields) == 0 && g.io.OutTTY:
		fmt.Fprintln(g.io.Err, "prefect-secrets: no secret fields in any block")
		return nil
	}
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(f.Address + "\n")
	}
	_, err = fmt.Fprint(g.io.Out, b.String())
	return err
}
