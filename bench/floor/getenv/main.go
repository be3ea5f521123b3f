// Command getenv is the floor for `prefect-secrets get`: the least a static Go
// program can do to print a secret from the environment. It prints the env
// var named by its argument, as is.
package main

import "os"

func main() {
	if len(os.Args) != 2 {
		os.Stderr.WriteString("usage: getenv VAR\n")
		os.Exit(64)
	}
	os.Stdout.WriteString(os.Getenv(os.Args[1]))
}
