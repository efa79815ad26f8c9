// Command trainmodel rebuilds the scorer's learned layer,
// dialogue/score/rules/model.bin, from the labelled files. It is run by
// `go generate ./dialogue/score` (see the go:generate line in
// ../../scorer.go and docs/scoring.md) and is not part of pivot.
package main

import (
	"fmt"
	"os"

	"github.com/pivotcoach/pivot/dialogue/score/internal/train"
)

func main() {
	if err := train.Main(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "trainmodel:", err)
		os.Exit(1)
	}
}
