// Package mdshell reads the ```sh blocks of a Markdown page, for the tests
// that check and run the docs' shell examples as written.
package mdshell

import "strings"

// Block is a ```sh block of a Markdown text and the line it starts on.
type Block struct {
	Start int // 1-based line of the block's first line
	Lines []string
}

// Blocks returns the ```sh blocks of a Markdown text, in order.
func Blocks(text string) []Block {
	var (
		out  []Block
		cur  *Block
		open bool
	)
	for i, line := range strings.Split(text, "\n") {
		lang, fence := strings.CutPrefix(strings.TrimSpace(line), "```")
		switch {
		case fence && !open:
			open, cur = true, nil
			if lang == "sh" {
				cur = &Block{Start: i + 2}
			}
		case fence:
			open = false
			if cur != nil {
				out = append(out, *cur)
			}
		case open && cur != nil:
			cur.Lines = append(cur.Lines, line)
		}
	}
	return out
}
