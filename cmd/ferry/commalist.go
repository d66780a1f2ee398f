package main

// Comma-separated lists on the command line: node lists, packet lists.

import "strings"

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func joinComma(ss []string) string { return strings.Join(ss, ",") }
