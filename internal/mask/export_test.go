package mask

// The quoted forms, for the tests' reference masker; TestQuotedForms holds
// them to what bash and python3 print.

// ShellForms are f inside '...' (bash's and shlex.quote's), with
// backslashes (where a word starts), and inside $'...' in a UTF-8 locale
// and in the C locale.
func ShellForms(f []byte) [][]byte {
	out := [][]byte{appendShellSingle(nil, f, `'\''`), appendShellSingle(nil, f, `'"'"'`), appendShellBackslash(nil, f, true)}
	if len(f) > 0 && (f[0] == '#' || f[0] == '~') {
		out = append(out, appendShellBackslash(nil, f, false))
	}
	return append(out, appendANSIC(nil, f, true), appendANSIC(nil, f, false))
}

// PythonRepr is the inside of repr() of f, quote escaped (0: none).
func PythonRepr(f []byte, quote byte, asBytes bool) []byte {
	return appendPythonRepr(nil, f, quote, asBytes)
}

// JSONASCII is f as json.dumps escapes it (ensure_ascii).
func JSONASCII(f []byte) []byte { return appendJSON(nil, f, pythonJSON) }
