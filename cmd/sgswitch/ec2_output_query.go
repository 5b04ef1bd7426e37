package main

import (
	"encoding/json"
	"strings"
)

// multiselectKeys returns the keys of each multiselect hash in a JMESPath
// expression ({ID: GroupId, Name: GroupName} gives [ID Name]), in the
// order written, which is the order the AWS CLI prints them in. It only
// scans: the expression has already been compiled. A key is an
// identifier or quoted string directly inside braces, before a colon;
// literals (`…`, '…', "…") and slices ([a:b]) are skipped.
func multiselectKeys(expr string) [][]string {
	type open struct {
		delim byte
		keys  []string
	}
	var stack []open
	var out [][]string
	token := "" // the identifier or quoted name last read
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case c == '`' || c == '\'' || c == '"':
			end := closingQuote(expr, i)
			if c == '"' {
				token = expr[i+1 : end]
			}
			i = end
			continue
		case c == '{' || c == '[' || c == '(':
			stack = append(stack, open{delim: c})
		case c == '}' || c == ']' || c == ')':
			if n := len(stack); n > 0 {
				if stack[n-1].delim == '{' && len(stack[n-1].keys) > 0 {
					out = append(out, stack[n-1].keys)
				}
				stack = stack[:n-1]
			}
		case c == ':':
			if n := len(stack); n > 0 && stack[n-1].delim == '{' && token != "" {
				stack[n-1].keys = append(stack[n-1].keys, token)
			}
		case isIdentChar(c):
			j := i
			for j < len(expr) && isIdentChar(expr[j]) {
				j++
			}
			token = expr[i:j]
			i = j - 1
			continue
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		}
		token = ""
	}
	return out
}

// closingQuote is the index of the quote closing the one at i (a
// backslash escapes), or the last index.
func closingQuote(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		if s[j] == '\\' {
			j++
			continue
		}
		if s[j] == q {
			return j
		}
	}
	return len(s) - 1
}

func isIdentChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// legacyLiterals rewrites each `literal` that is not JSON as the JSON
// string of its text, as the AWS CLI's JMESPath does for the older
// syntax scripts still use (SecurityGroups[?GroupName==`web`]); the Go
// library follows the specification and refuses it.
func legacyLiterals(expr string) string {
	var b strings.Builder
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		if c != '`' && c != '\'' && c != '"' {
			b.WriteByte(c)
			continue
		}
		end := closingQuote(expr, i)
		lit := expr[i : end+1]
		if c == '`' && len(lit) >= 2 {
			body := strings.ReplaceAll(lit[1:len(lit)-1], "\\`", "`")
			if !json.Valid([]byte(body)) {
				quoted, _ := json.Marshal(strings.TrimSpace(body))
				lit = "`" + strings.ReplaceAll(string(quoted), "`", "\\`") + "`"
			}
		}
		b.WriteString(lit)
		i = end
	}
	return b.String()
}
