package shellquote

import "testing"

func TestJoin(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"verify", "-trust", "trust.json", "green.txt"}, "verify -trust trust.json green.txt"},
		{[]string{"-name", "张三"}, "-name '张三'"},
		{[]string{"-name", "张 三"}, "-name '张 三'"},
		{[]string{""}, "''"},
		{[]string{"it's"}, `'it'\''s'`},
		{[]string{"a;b", "$x", "*", "a|b", "(x)", `back\slash`, "tab\there"}, `'a;b' '$x' '*' 'a|b' '(x)' 'back\slash' 'tab	here'`},
		{[]string{"2026-01-02T15:04:05Z"}, "2026-01-02T15:04:05Z"},
		// Every other metacharacter too: a pasted hint must not run
		// anything ("chmod 600 a`id`b" would run id).
		{[]string{"a`id`b", "line\nbreak", "~root", "#x", "!x", "{a,b}", "[ab]", "a^b"}, "'a`id`b' 'line\nbreak' '~root' '#x' '!x' '{a,b}' '[ab]' 'a^b'"},
		{[]string{"/tmp/a_b-c.d/k@e%f+g=h:i,j"}, "/tmp/a_b-c.d/k@e%f+g=h:i,j"},
	} {
		if got := Join(c.args); got != c.want {
			t.Errorf("Join(%q) = %q, want %q", c.args, got, c.want)
		}
	}
}
