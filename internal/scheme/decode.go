package scheme

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"ncms/internal/civil"
	"ncms/internal/money"
)

// Error is one validation problem: file, line, key path and what is wrong.
type Error struct {
	File string
	Line int
	Path string
	Msg  string
}

// Error formats as "file:line: path: message".
func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if e.Path != "" {
		return loc + ": " + e.Path + ": " + e.Msg
	}
	return loc + ": " + e.Msg
}

// ErrorList is every problem Parse found, in file order.
type ErrorList []*Error

// Error joins the problems, one per line.
func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// decoder walks a yaml.Node tree and collects errors instead of stopping at
// the first one.
type decoder struct {
	file   string
	errs   ErrorList
	budget int // nodes left to visit (bounds alias expansion)
}

func (d *decoder) errf(n *yaml.Node, path, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	if len(d.errs) < 200 {
		d.errs = append(d.errs, &Error{File: d.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
	}
}

// resolve follows aliases and counts visited nodes.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 10; i++ {
		n = n.Alias
	}
	d.budget--
	if d.budget < 0 || n == nil || n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// fields checks that n is a mapping with only the allowed keys and returns
// its values by key. Keys listed with a leading "!" are required.
func (d *decoder) fields(n *yaml.Node, path string, keys ...string) map[string]*yaml.Node {
	n = d.resolve(n)
	if n == nil {
		d.errf(n, path, "too deeply nested or aliased / 嵌套或引用过多")
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errf(n, path, "must be a mapping of keys / 应为键值映射")
		return nil
	}
	allowed := make(map[string]bool, len(keys))
	for _, k := range keys {
		allowed[strings.TrimPrefix(k, "!")] = true
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.resolve(n.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			d.errf(n.Content[i], path, "keys must be plain words / 键应为简单文字")
			continue
		}
		kp := join(path, k.Value)
		switch {
		case !allowed[k.Value]:
			d.errf(k, kp, "unknown key; allowed: %s / 未知的键", strings.Join(trimBang(keys), ", "))
		case out[k.Value] != nil:
			d.errf(k, kp, "key given twice / 键重复")
		default:
			out[k.Value] = n.Content[i+1]
		}
	}
	for _, k := range keys {
		if strings.HasPrefix(k, "!") && out[k[1:]] == nil {
			d.errf(n, join(path, k[1:]), "required key missing / 缺少必填项")
		}
	}
	return out
}

func trimBang(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = strings.TrimPrefix(k, "!")
	}
	sort.Strings(out)
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// scalar returns the text of a scalar node.
func (d *decoder) scalar(n *yaml.Node, path string) (string, bool) {
	n = d.resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		d.errf(n, path, "must be a single value / 应为单个值")
		return "", false
	}
	return n.Value, true
}

func (d *decoder) str(n *yaml.Node, path string) string {
	s, _ := d.scalar(n, path)
	return s
}

func (d *decoder) fen(n *yaml.Node, path string) money.Fen {
	s, ok := d.scalar(n, path)
	if !ok {
		return 0
	}
	f, err := money.Parse(strings.ReplaceAll(s, "_", ""))
	if err != nil || f < 0 || f > money.Yuan(100_000_000) {
		d.errf(n, path, "%q is not an amount of yuan between 0 and 100000000 with at most 2 decimals / 金额格式错误", s)
		return 0
	}
	return f
}

// rate reads "60%" (or "60"); signed when allowed; limited to ±100%.
func (d *decoder) rate(n *yaml.Node, path string, signed bool) money.Rate {
	s, ok := d.scalar(n, path)
	if !ok {
		return 0
	}
	r, err := money.ParseRate(strings.TrimSpace(s))
	if err != nil || r > money.Whole || r < -money.Whole || (!signed && r < 0) {
		d.errf(n, path, "%q is not a percentage like 60%% (0–100) / 比例格式错误", s)
		return 0
	}
	return r
}

func (d *decoder) integer(n *yaml.Node, path string, lo, hi int) int {
	s, ok := d.scalar(n, path)
	if !ok {
		return lo
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		d.errf(n, path, "%q is not a whole number between %d and %d / 应为整数", s, lo, hi)
		return lo
	}
	return v
}

func (d *decoder) boolean(n *yaml.Node, path string) bool {
	s, ok := d.scalar(n, path)
	switch {
	case !ok:
	case s == "true" || s == "yes":
		return true
	case s == "false" || s == "no":
		return false
	default:
		d.errf(n, path, "%q is not true or false / 应为 true 或 false", s)
	}
	return false
}

func (d *decoder) date(n *yaml.Node, path string) civil.Date {
	s, ok := d.scalar(n, path)
	if !ok {
		return civil.Date{}
	}
	t, err := civil.Parse(s)
	if err != nil {
		d.errf(n, path, "%q is not a date YYYY-MM-DD / 日期格式应为 YYYY-MM-DD", s)
	}
	return t
}

// list returns the items of a sequence, or the node itself for a scalar
// (so "kind: inpatient" and "kind: [inpatient, injury]" both work).
func (d *decoder) list(n *yaml.Node, path string) []*yaml.Node {
	n = d.resolve(n)
	if n == nil {
		d.errf(n, path, "too deeply nested or aliased / 嵌套或引用过多")
		return nil
	}
	switch n.Kind {
	case yaml.SequenceNode:
		return n.Content
	case yaml.ScalarNode:
		return []*yaml.Node{n}
	}
	d.errf(n, path, "must be a value or a list [a, b] / 应为值或列表")
	return nil
}

func (d *decoder) seq(n *yaml.Node, path string) []*yaml.Node {
	n = d.resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		d.errf(n, path, "must be a list of rows (- ...) / 应为列表")
		return nil
	}
	return n.Content
}

func (d *decoder) strs(n *yaml.Node, path string) []string {
	var out []string
	for i, it := range d.list(n, path) {
		if s := d.str(it, index(path, i)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// pairs returns the key/value nodes of a mapping in file order.
func (d *decoder) pairs(n *yaml.Node, path string) [][2]*yaml.Node {
	n = d.resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.errf(n, path, "must be a mapping of keys / 应为键值映射")
		return nil
	}
	out := make([][2]*yaml.Node, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
	}
	return out
}

func line(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}
