package config_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEveryVariableDocumented: every environment variable a command reads
// through envconfig (a struct tag `envconfig:"NAME"` anywhere in the
// repository's non-test code) is named, as `NAME`, in README.md's
// Configuration table, where operators look first. (The docker-compose,
// cluster and sandbox variables, read by scripts, are in docs/deployment.md
// and docs/sandbox.md.)
func TestEveryVariableDocumented(t *testing.T) {
	root := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	tag := regexp.MustCompile(`envconfig:"([A-Z0-9_]+)"`)
	found := map[string]string{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range tag.FindAllSubmatch(src, -1) {
			found[string(m[1])] = path
		}
		return nil
	})
	require.NoError(t, err)
	require.Contains(t, found, "DATABASE_URL", "the walk must find the configuration's tags")
	for name, path := range found {
		if !strings.Contains(string(readme), "`"+name+"`") {
			t.Errorf("%s (read in %s) is not in README.md: add a row to its Configuration table", name, path)
		}
	}
}
