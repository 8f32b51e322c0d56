package annual

import (
	"math"
	"strings"
)

// Row heights. Neither Excel nor LibreOffice reliably grows a row to fit
// its wrapped text when opening a file that does not state the row's
// height, so a long project name would be cut or printed over the next
// row. Write therefore sets the height of every row with wrapped text,
// from an estimate of how many lines the text takes in its column.

// lineHeight is the height in points of one line of 11-point Calibri, the
// default row height.
const lineHeight = 15

// textLines estimates how many lines text takes once wrapped in a column
// of the given width (Excel's unit: the width of a digit of the default
// font, 11-point Calibri). Words go greedily to the current line, as a
// spreadsheet wraps them; a word too long for a line takes several. The
// estimate keeps a small margin, so it errs towards a line too many: a
// slightly tall row reads well, a cut one does not.
func textLines(text string, width float64, bold bool) int {
	room := (width - 0.7) * 0.97 // the cell's padding, and the margin
	if room < 1 {
		room = 1
	}
	scale := 1.0
	if bold {
		scale = 1.05
	}
	space := textWidth(" ") * scale
	lines := 0
	for _, para := range strings.Split(text, "\n") {
		lines++
		used := 0.0
		for _, word := range strings.Fields(para) {
			w := textWidth(word) * scale
			switch {
			case used == 0 && w <= room:
				used = w
			case used > 0 && used+space+w <= room:
				used += space + w
			case w <= room:
				lines++
				used = w
			default: // a word longer than a line is broken across lines
				if used > 0 {
					lines++
				}
				extra := int(math.Ceil(w/room)) - 1
				lines += extra
				used = w - float64(extra)*room
			}
		}
	}
	return lines
}

// glyphWidths are Calibri's advance widths, in 1/2048 em, of the
// characters whose width differs from the default (about a lower-case
// letter's); its digits are 1038 wide, the unit of a column width.
var glyphWidths = map[rune]int{
	' ': 463, '.': 517, ',': 511, ':': 548, ';': 548, '\'': 452, '’': 512, '"': 821,
	'-': 627, '(': 621, ')': 621, '/': 792, '!': 597, '?': 943, '&': 1399, '%': 1463, '@': 1837,
	'a': 981, 'b': 1076, 'c': 866, 'd': 1076, 'e': 1019, 'f': 625, 'g': 964, 'h': 1076,
	'i': 470, 'j': 490, 'k': 931, 'l': 470, 'm': 1636, 'n': 1076, 'o': 1080, 'p': 1076,
	'q': 1076, 'r': 714, 's': 801, 't': 686, 'u': 1076, 'v': 925, 'w': 1464, 'x': 887,
	'y': 927, 'z': 809,
	'A': 1185, 'B': 1114, 'C': 1092, 'D': 1260, 'E': 1000, 'F': 941, 'G': 1292, 'H': 1276,
	'I': 516, 'J': 653, 'K': 1064, 'L': 861, 'M': 1751, 'N': 1322, 'O': 1356, 'P': 1058,
	'Q': 1378, 'R': 1112, 'S': 941, 'T': 998, 'U': 1314, 'V': 1162, 'W': 1822, 'X': 1063,
	'Y': 998, 'Z': 959, 'œ': 1716, 'Œ': 1833, 'æ': 1539, '€': 1038,
}

// baseLetter maps an accented letter to the letter it is drawn on: its
// width.
var baseLetter = map[rune]rune{
	'à': 'a', 'â': 'a', 'ä': 'a', 'á': 'a', 'é': 'e', 'è': 'e', 'ê': 'e', 'ë': 'e',
	'î': 'i', 'ï': 'i', 'í': 'i', 'ô': 'o', 'ö': 'o', 'ó': 'o', 'ù': 'u', 'û': 'u',
	'ü': 'u', 'ú': 'u', 'ç': 'c', 'ñ': 'n', 'ÿ': 'y',
	'À': 'A', 'Â': 'A', 'Ä': 'A', 'É': 'E', 'È': 'E', 'Ê': 'E', 'Ë': 'E', 'Î': 'I',
	'Ï': 'I', 'Ô': 'O', 'Ö': 'O', 'Ù': 'U', 'Û': 'U', 'Ü': 'U', 'Ç': 'C',
}

// textWidth is the width of s in digit widths of Calibri. Characters not
// in the table count as a wide letter (1038, a digit), which is also
// right for digits.
func textWidth(s string) float64 {
	w := 0
	for _, r := range s {
		if b, ok := baseLetter[r]; ok {
			r = b
		}
		if g, ok := glyphWidths[r]; ok {
			w += g
		} else {
			w += 1038
		}
	}
	return float64(w) / 1038
}
