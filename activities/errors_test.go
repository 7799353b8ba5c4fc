package activities_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/colorme-sync/colorme-sync/activities"
)

// TestNonRetryableErrorTypes reads the package's source: every error type an
// activity raises as non-retryable is in NonRetryableErrorTypes (the list the
// workflows' retry policies use), every type it raises as retryable is not,
// and every Err* constant is raised one way or the other.
func TestNonRetryableErrorTypes(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	var files []*ast.File
	for _, e := range entries {
		if name := e.Name(); strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			f, err := parser.ParseFile(fset, name, nil, 0)
			require.NoError(t, err)
			files = append(files, f)
		}
	}
	require.NotEmpty(t, files)

	consts := map[string]string{} // Err* constant name → error type
	raised := map[string]bool{}   // constant name → raised non-retryable (true) or retryable (false)
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if strings.HasPrefix(id.Name, "Err") && i < len(n.Values) {
						if lit, ok := n.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							v, err := strconv.Unquote(lit.Value)
							require.NoError(t, err)
							consts[id.Name] = v
						}
					}
				}
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "temporal" {
					return true
				}
				var nonRetryable bool
				switch sel.Sel.Name {
				case "NewNonRetryableApplicationError":
					nonRetryable = true
				case "NewApplicationError", "NewApplicationErrorWithOptions":
				default:
					return true
				}
				require.GreaterOrEqual(t, len(n.Args), 2)
				id, ok := n.Args[1].(*ast.Ident)
				require.Truef(t, ok, "%s: the error type of temporal.%s must be one of the package's Err* constants",
					fset.Position(n.Pos()), sel.Sel.Name)
				if prev, seen := raised[id.Name]; seen {
					require.Equalf(t, prev, nonRetryable, "%s: %s is raised both retryable and not", fset.Position(n.Pos()), id.Name)
				}
				raised[id.Name] = nonRetryable
			}
			return true
		})
	}
	require.NotEmpty(t, consts)
	list := activities.NonRetryableErrorTypes()
	for name, typ := range consts {
		nonRetryable, ok := raised[name]
		require.Truef(t, ok, "%s (%q) is never raised: classify it or drop it", name, typ)
		if nonRetryable {
			require.Containsf(t, list, typ, "%s is raised non-retryable but missing from NonRetryableErrorTypes", name)
		} else {
			require.NotContainsf(t, list, typ, "%s is raised retryable but listed in NonRetryableErrorTypes", name)
		}
	}
	for _, typ := range list {
		require.Truef(t, slices.Contains(mapValues(consts), typ), "NonRetryableErrorTypes lists %q, which is no Err* constant", typ)
	}
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
