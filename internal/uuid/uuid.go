// Package uuid makes random (version 4) UUIDs, as Prefect's API uses them
// for ids: the CSRF client id the API client sends, and the ids the test
// fakes hand out.
package uuid

import (
	"crypto/rand"
	"fmt"
)

// New is a random (version 4, variant 10) UUID in its canonical text form.
func New() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails (Go 1.24 and later)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
