// Package ghactions speaks to the GitHub Actions runner through workflow
// commands: it registers values with the runner's log masking
// (::add-mask::), so that a value a later step prints shows as ***.
//
// The runner reads workflow commands from a step's stdout and stderr alike
// (actions/runner src/Runner.Worker/Handlers/ScriptHandler.cs hands both
// streams to an OutputManager), one line at a time, and a line holding a
// command is consumed: it never reaches the log. Its line reader ends a
// line at LF, CR or CRLF, so a value is registered one line at a time, and
// the data of a command is unescaped as ActionCommand.UnescapeData does:
// %0D, %0A, then %25.
package ghactions

import (
	"bytes"
)

// Enabled reports whether this process runs in a GitHub Actions step: the
// runner sets GITHUB_ACTIONS=true there.
func Enabled(getenv func(string) string) bool { return getenv("GITHUB_ACTIONS") == "true" }

// AppendEscapedData appends s escaped as the data of a workflow command: %
// first (so that the runner's unescaping, which does %25 last, gives s
// back), then CR and LF.
func AppendEscapedData(dst, s []byte) []byte {
	for _, c := range s {
		switch c {
		case '%':
			dst = append(dst, "%25"...)
		case '\r':
			dst = append(dst, "%0D"...)
		case '\n':
			dst = append(dst, "%0A"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// Lines splits a value as the runner splits a step's output into lines:
// at LF, CR and CRLF.
func Lines(value []byte) [][]byte {
	var lines [][]byte
	for len(value) > 0 {
		i := bytes.IndexAny(value, "\r\n")
		if i < 0 {
			lines = append(lines, value)
			break
		}
		lines = append(lines, value[:i])
		if value[i] == '\r' && i+1 < len(value) && value[i+1] == '\n' {
			i++
		}
		value = value[i+1:]
	}
	return lines
}

// AppendAddMask appends an ::add-mask:: command for each line of value
// that is at least minLen bytes long and not only whitespace (the runner
// refuses those with a warning). It returns how many lines were too short
// to register.
func AppendAddMask(dst, value []byte, minLen int) ([]byte, int) {
	short := 0
	for _, line := range Lines(value) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if len(line) < minLen {
			short++
			continue
		}
		dst = append(dst, "::add-mask::"...)
		dst = AppendEscapedData(dst, line)
		dst = append(dst, '\n')
	}
	return dst, short
}
