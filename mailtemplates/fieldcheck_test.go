package mailtemplates

import (
	"reflect"
	"testing"
	"text/template/parse"
)

// fieldCheck walks a template's parse tree knowing the type of dot, so
// that every branch is checked, taken by the sample data or not.
type fieldCheck struct {
	t     *testing.T
	where string
	used  map[string]bool // field paths, as fieldPaths names them
}

func (c *fieldCheck) node(n parse.Node, dot reflect.Type, prefix string) {
	switch n := n.(type) {
	case nil, *parse.TextNode, *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode:
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, m := range n.Nodes {
			c.node(m, dot, prefix)
		}
	case *parse.ActionNode:
		c.pipe(n.Pipe, dot, prefix)
	case *parse.IfNode:
		c.pipe(n.Pipe, dot, prefix)
		c.node(n.List, dot, prefix)
		c.node(n.ElseList, dot, prefix)
	case *parse.RangeNode:
		typ, path := c.pipe(n.Pipe, dot, prefix)
		if typ == nil || (typ.Kind() != reflect.Slice && typ.Kind() != reflect.Array) {
			c.t.Errorf("%s: range over %s, not a list", c.where, n.Pipe)
			return
		}
		c.node(n.List, typ.Elem(), path+".")
		c.node(n.ElseList, dot, prefix)
	case *parse.WithNode:
		typ, path := c.pipe(n.Pipe, dot, prefix)
		c.node(n.List, typ, path+".")
		c.node(n.ElseList, dot, prefix)
	default:
		c.t.Errorf("%s: %T (%s) is not checked by this test; teach it", c.where, n, n)
	}
}

// pipe checks a pipeline's fields and returns the type and path of its
// value when it is a single field (what range and with need).
func (c *fieldCheck) pipe(p *parse.PipeNode, dot reflect.Type, prefix string) (reflect.Type, string) {
	if len(p.Decl) > 0 {
		c.t.Errorf("%s: variables are not checked by this test: %s", c.where, p)
	}
	var typ reflect.Type
	var path string
	for _, cmd := range p.Cmds {
		for _, arg := range cmd.Args {
			switch a := arg.(type) {
			case *parse.FieldNode:
				typ, path = c.field(a.Ident, dot, prefix)
			case *parse.PipeNode:
				typ, path = c.pipe(a, dot, prefix)
			case *parse.IdentifierNode, *parse.StringNode, *parse.NumberNode, *parse.BoolNode, *parse.DotNode:
				typ, path = nil, ""
			default:
				c.t.Errorf("%s: %T (%s) is not checked by this test; teach it", c.where, a, a)
			}
		}
	}
	if len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return nil, ""
	}
	return typ, path
}

func (c *fieldCheck) field(idents []string, dot reflect.Type, prefix string) (reflect.Type, string) {
	typ, path := dot, prefix
	for _, id := range idents {
		if typ == nil || typ.Kind() != reflect.Struct {
			c.t.Errorf("%s: .%s of a value that is not a struct", c.where, id)
			return nil, ""
		}
		f, ok := typ.FieldByName(id)
		if !ok {
			c.t.Errorf("%s: {{.%s}} is not a field of %s: its caller does not send it", c.where, path+id, typ)
			return nil, ""
		}
		path += id
		c.used[path] = true
		typ = f.Type
		path += "."
	}
	return typ, path[:len(path)-1]
}
