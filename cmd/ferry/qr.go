package main

import (
	"fmt"
	"io"
	"strings"

	"rsc.io/qr"
)

// writeQR draws text as a QR code for a terminal: two rows of modules per
// line in half blocks, black on white whatever the terminal's colours
// (a reader needs dark modules on a light ground), with the quiet zone
// of four modules the standard asks for. Upper-cased, a card is all
// QR alphanumeric, which packs 5.5 bits a character instead of 8.
//
// rsc.io/qr: one small package with no dependencies, by Russ Cox, under
// Go's BSD licence; the QR coding is a fixed standard, so its age does
// not matter.
func writeQR(w io.Writer, text string) error {
	code, err := qr.Encode(strings.ToUpper(text), qr.L)
	if err != nil {
		return err
	}
	const quiet = 4
	var b strings.Builder
	for y := -quiet; y < code.Size+quiet; y += 2 {
		b.WriteString("\x1b[30;47m") // black on white
		for x := -quiet; x < code.Size+quiet; x++ {
			top, bottom := code.Black(x, y), code.Black(x, y+1)
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteString("\x1b[0m\n")
	}
	_, err = fmt.Fprint(w, b.String())
	return err
}
