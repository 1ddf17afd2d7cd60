package fakemeta

import (
	"slices"
	"strings"
)

// placeholders are the variables of a template text (a header, a body, a button's URL) in
// the order they first appear, each once: one parameter each at send time. A variable is
// written as Meta's template pages write them — two braces, a number ({{1}}, positional) or
// a name of lowercase letters, digits and underscores ({{first_name}}, named), two braces —
// with nothing else inside: "{{ 1 }}" or "{{Name}}" is text, not a variable. This is
// fakemeta's own reading, not the engine's (graph.Placeholders): the two are compared in
// tests.
func placeholders(text string) []string {
	var vars []string
	for rest := text; ; {
		open := strings.Index(rest, "{{")
		if open < 0 {
			return vars
		}
		inside := rest[open+2:]
		end := strings.Index(inside, "}}")
		if end < 0 {
			return vars
		}
		if name := inside[:end]; variableName(name) {
			if !slices.Contains(vars, name) {
				vars = append(vars, name)
			}
			rest = inside[end+2:]
			continue
		}
		// Not a variable: look again one brace on, so "{{{1}}}" still finds {{1}}.
		rest = rest[open+1:]
	}
}

// variableName reports whether s can name a template variable: digits, or lowercase
// letters, digits and underscores.
func variableName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// positional reports whether a variable is numbered ({{1}}) rather than named.
func positional(name string) bool { return strings.Trim(name, "0123456789") == "" }

func hasNamedPlaceholders(text string) bool {
	for _, p := range placeholders(text) {
		if !positional(p) {
			return true
		}
	}
	return false
}
