package checks

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// fileKind looks at a file: `file { path = "/var/backups/latest.dump" }`.
// A missing file is a result (exists = false), not an error.
type fileKind struct{ declaration }

func init() { register(newFileKind()) }

func newFileKind() fileKind {
	return fileKind{declaration{
		name: "file",
		spec: hcldec.ObjectSpec{
			"path": required("path", cty.String),
		},
		result: resultType(map[string]cty.Type{
			"exists":   cty.Bool,
			"size":     cty.Number,
			"modified": cty.String,
			"age":      cty.Number,
		}),
		// No timeout attribute and no default timeout: a stat is quick,
		// and only the step's timeout bounds one on a hung mount.
	}}
}

func (fileKind) Run(ctx context.Context, env *Env, config cty.Value) (map[string]cty.Value, error) {
	path := stringAttr(config, "path")
	info, err := statContext(ctx, path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]cty.Value{"exists": cty.False}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	modified := info.ModTime()
	return map[string]cty.Value{
		"exists":   cty.True,
		"size":     cty.NumberIntVal(info.Size()),
		"modified": cty.StringVal(modified.UTC().Format(time.RFC3339Nano)),
		"age":      seconds(env.Now().Sub(modified)),
	}, nil
}

// statContext is os.Stat that gives up when ctx ends. A stat on a hung
// network mount blocks in the kernel, where no cancellation reaches it; the
// drill goes on, and the abandoned stat ends whenever the mount answers.
func statContext(ctx context.Context, path string) (fs.FileInfo, error) {
	type stat struct {
		info fs.FileInfo
		err  error
	}
	done := make(chan stat, 1)
	go func() {
		info, err := os.Stat(path)
		done <- stat{info, err}
	}()
	select {
	case s := <-done:
		return s.info, s.err
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

func (fileKind) Succeeded(result cty.Value) (bool, string) {
	exists := result.GetAttr("exists")
	if !exists.IsNull() && exists.True() {
		return true, ""
	}
	return false, "the file does not exist"
}
