package commands

import (
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/prefect-secrets/prefect-secrets/internal/mask"
)

// writeFlags are the flags of the commands that write values out (export,
// inject): where to (-o, --force), and GitHub Actions' log masking.
func writeFlags(d *destination, ci *ciMaskFlags) []cli.Flag {
	return []cli.Flag{
		&option{name: "output", alias: "o", value: stringValue{&d.File}, usage: "write to `FILE` (atomically, mode 0600) instead of stdout"},
		&option{name: "force", value: boolValue{&d.Force}, usage: "write to a terminal; replace an existing -o FILE"},
		&option{name: "no-ci-mask", value: boolValue{&ci.NoCIMask}, usage: noCIMaskUsage},
		&option{name: "mask-min", value: intValue{&ci.MaskMin}, def: strconv.Itoa(mask.DefaultMinLen),
			usage: "the shortest line of a value registered with GitHub Actions' log masking, in `BYTES`"},
	}
}
