package resolve

import "strings"

// RefScheme starts a reference to a secret, prefect-secret://NAME: the
// whole value of a variable in the caller's environment or in a reference
// file, or the inside of {{ }} in a template. This is its one definition.
const RefScheme = "prefect-secret://"

// ParseRef says whether value is a reference as a whole, and to what name.
// The name is not checked: see CheckName.
func ParseRef(value string) (name string, ok bool) {
	return strings.CutPrefix(value, RefScheme)
}
