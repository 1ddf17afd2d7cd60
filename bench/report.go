package bench

import (
	"bytes"
	"io"
)

// printIfValid runs a scenario with its figures going to a buffer, and copies them to out
// only when the run returns no error. A scenario checks itself after it has measured (every
// send at Meta exactly once, every webhook visible), and a figure printed before a check that
// then fails would read as a result — on the terminal, and in a report pasted from it.
func printIfValid(out io.Writer, run func(figures io.Writer) error) error {
	var figures bytes.Buffer
	if err := run(&figures); err != nil {
		return err
	}
	_, err := figures.WriteTo(out)
	return err
}
