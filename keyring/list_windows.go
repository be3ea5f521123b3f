//go:build windows

package keyring

import (
	"context"
	"sort"
	"strings"

	"github.com/danieljoos/wincred"
)

const (
	platformKeyring = "Windows Credential Manager"
	maxValueBytes   = 2560 // CRED_MAX_CREDENTIAL_BLOB_SIZE
)

// go-keyring names each credential "<service>:<name>".
func (k *osKeyring) names(ctx context.Context) ([]string, error) {
	prefix := k.service + ":"
	var out []string
	err := k.bounded(ctx, "listing credentials", func() error {
		creds, err := wincred.FilteredList(prefix + "*")
		if err != nil {
			return err
		}
		for _, c := range creds {
			if n, ok := strings.CutPrefix(c.TargetName, prefix); ok {
				out = append(out, n)
			}
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

func (k *osKeyring) indexAdd(context.Context, string) error    { return nil }
func (k *osKeyring) indexRemove(context.Context, string) error { return nil }
