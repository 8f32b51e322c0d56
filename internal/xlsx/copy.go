package xlsx

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrDestination marks a Copy that could not write where it was asked
// (a bad path given by the person): front ends answer it as refused input.
var ErrDestination = errors.New("cannot write the copy")

// Copy copies a workbook the worker wrote (the caller shares its file
// system: OUTPUT_DIR) to where a person asked. The worker may have written
// the very file asked for; that is left as it is.
func Copy(from, to string) error {
	if a, err := os.Stat(from); err == nil {
		if b, err := os.Stat(to); err == nil && os.SameFile(a, b) {
			return nil
		}
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrDestination, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
