package catalog_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/redrill/redrill/internal/pgtest"
	"github.com/redrill/redrill/store"
)

// The seed-story drill runs against PostgreSQL under a client workload:
// the large operation is cut off by the restart, the largest database is
// restored from the backup setup took, every acknowledged client write is
// still there, and both scratch databases and the backup file are gone.
func TestSeedStoryDrillUnderLoad(t *testing.T) {
	pgtest.RequireClient(t, "pg_restore")
	pgtest.NewDatabase(t) // skips without a server
	suffix := randomSuffix(t)
	appDB, largestDB := "redrill_seed_app_"+suffix, "redrill_seed_largest_"+suffix
	admin, err := sql.Open("postgres", pgtest.WithDatabase(pgtest.ServerURL(), "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + appDB + " WITH (FORCE)")
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + largestDB + " WITH (FORCE)")
	})
	workDir := t.TempDir()

	result := runEntry(t, "seed-story-restart-mid-operation", []string{
		"seed_server=" + pgtest.ServerBase(), "seed_app_db=" + appDB, "seed_largest_db=" + largestDB,
		"seed_rows=20000", "seed_work_dir=" + workDir, "seed_warmup=1s",
	})
	if result.Verdict != store.VerdictMet {
		t.Fatalf("verdict %s (%s); steps: %+v", result.Verdict, result.Reason, result.Steps)
	}
	for _, db := range []string{appDB, largestDB} {
		var exists bool
		if err := admin.QueryRow(`SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, db).Scan(&exists); err != nil || exists {
			t.Errorf("rollback left the database %s (err %v)", db, err)
		}
	}
	requireNoFile(t, filepath.Join(workDir, "redrill-seed-largest.dump"))
}
