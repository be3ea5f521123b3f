package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/prefect-secrets/prefect-secrets/cloud"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Serve answers one cloud.Request read from in with one cloud.Response
// written to out: the helper program's whole job. opts.Log and
// opts.Timeout are taken from the request.
func Serve(ctx context.Context, in io.Reader, out io.Writer, opts Options) error {
	var req cloud.Request
	if err := json.NewDecoder(in).Decode(&req); err != nil {
		return fmt.Errorf("reading the request: %w", err)
	}
	resp := answer(ctx, &req, opts)
	return json.NewEncoder(out).Encode(resp)
}

func answer(ctx context.Context, req *cloud.Request, opts Options) *cloud.Response {
	resp := &cloud.Response{}
	opts.Log = func(line string) { resp.Log = append(resp.Log, line) }
	opts.Timeout = time.Duration(req.TimeoutMS) * time.Millisecond
	opts.AllowHTTP = req.AllowHTTP
	c, err := New(req.API.Config(), opts)
	if err != nil {
		resp.Error = cloud.ToWire(err)
		return resp
	}
	resp.Log = append(resp.Log, c.Warnings...)
	switch req.Op {
	case "get":
		var got map[string]resolve.Secret
		if got, err = c.Get(ctx, req.Names); err == nil {
			resp.Values = make(map[string]cloud.WireValue, len(got))
			for n, v := range got {
				resp.Values[n] = cloud.WireValue{Bytes: v.Reveal(), IsJSON: v.IsJSON()}
			}
		}
	case "names":
		resp.Names, err = c.Names(ctx)
	case "has":
		resp.Has, err = c.Has(ctx, req.Name)
	case "set":
		err = c.Set(ctx, req.Name, req.Value)
	case "delete":
		err = c.Delete(ctx, req.Name)
	case "check":
		err = c.Check(ctx)
	default:
		err = fmt.Errorf("unknown operation %q", req.Op)
	}
	if err != nil {
		resp.Error = cloud.ToWire(err)
	}
	return resp
}
