// Package s3test gives tests an S3-compatible object store of their own:
// a SeaweedFS server (`weed server -s3`) started for the test on free
// loopback ports, with keys of its own, removed when the test ends.
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Store is a running server: its S3 endpoint (host:port, plain HTTP),
// keys that may do anything, and a client made with them.
type Store struct {
	Endpoint             string
	AccessKey, SecretKey string
	Client               *minio.Client
}

// Binary is the weed program the tests start: REDRILL_TEST_WEED, or weed
// on the PATH (.ci/run builds one and sets the variable).
func Binary() (string, error) {
	if path := os.Getenv("REDRILL_TEST_WEED"); path != "" {
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("REDRILL_TEST_WEED: %w", err)
		}
		return path, nil
	}
	return exec.LookPath("weed")
}

// startTimeout bounds the server's start: its master, volume server,
// filer and S3 gateway, up to the first object written.
const startTimeout = 60 * time.Second

// New starts a server for the test. Without a weed program the test is
// skipped, except under CI=true, where it fails.
func New(t testing.TB) Store {
	t.Helper()
	if err := processGroups(); err != nil {
		t.Skip(err)
	}
	binary, err := Binary()
	if err != nil {
		why := fmt.Sprintf("no SeaweedFS server to start (%v): set REDRILL_TEST_WEED to a weed binary, as .ci/run builds it", err)
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: %s", why)
		}
		t.Skip(why)
	}
	dir := t.TempDir()
	store := Store{AccessKey: "redrill" + randomHex(4), SecretKey: randomHex(16)}
	config := filepath.Join(dir, "s3.json")
	if err := writeIdentity(config, store.AccessKey, store.SecretKey); err != nil {
		t.Fatal(err)
	}
	ports := freePorts(t, 8)
	store.Endpoint = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[6]))
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	log, err := os.Create(filepath.Join(dir, "weed.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "server",
		"-dir="+data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port="+strconv.Itoa(ports[0]), "-master.port.grpc="+strconv.Itoa(ports[1]),
		"-volume.port="+strconv.Itoa(ports[2]), "-volume.port.grpc="+strconv.Itoa(ports[3]),
		"-filer.port="+strconv.Itoa(ports[4]), "-filer.port.grpc="+strconv.Itoa(ports[5]),
		"-s3", "-s3.port="+strconv.Itoa(ports[6]), "-s3.port.grpc="+strconv.Itoa(ports[7]),
		"-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.config="+config,
		"-master.volumeSizeLimitMB=64", "-volume.max=8")
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, log, log
	ownProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", binary, err)
	}
	t.Cleanup(func() {
		killProcessGroup(cmd)
		_ = cmd.Wait()
		_ = log.Close()
		// It leaves a Unix socket beside some of its ports.
		for _, port := range ports {
			matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "seaweedfs-*-"+strconv.Itoa(port)+".sock"))
			for _, path := range matches {
				_ = os.Remove(path)
			}
		}
	})
	store.Client, err = minio.New(store.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(store.AccessKey, store.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	if err := waitUntilWritable(store.Client); err != nil {
		output, _ := os.ReadFile(log.Name())
		t.Fatalf("SeaweedFS did not start within %s: %v\n%s", startTimeout, err, tail(output, 4000))
	}
	return store
}

// NewBucket creates a bucket of a fresh name on the store.
func (s Store) NewBucket(t testing.TB) string {
	t.Helper()
	name := "redrill-" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Client.MakeBucket(ctx, name, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	return name
}

// Put writes an object and returns what the store says of it.
func (s Store) Put(t testing.TB, bucket, key string, body []byte) minio.ObjectInfo {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.Client.PutObject(ctx, bucket, key, bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
	info, err := s.Client.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatalf("stat %s/%s: %v", bucket, key, err)
	}
	return info
}

// waitUntilWritable polls until an object can be written: the gateway
// answers before the volume server has joined the master.
func waitUntilWritable(client *minio.Client) error {
	deadline := time.Now().Add(startTimeout)
	var last error
	for time.Now().Before(deadline) {
		last = probe(client)
		if last == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return last
}

func probe(client *minio.Client) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	const bucket = "redrill-probe"
	if err := client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil && minio.ToErrorResponse(err).Code != "BucketAlreadyOwnedByYou" {
		return err
	}
	_, err := client.PutObject(ctx, bucket, "probe", bytes.NewReader([]byte("ok")), 2, minio.PutObjectOptions{})
	return err
}

// writeIdentity writes the server's S3 configuration: one identity with
// every right.
func writeIdentity(path, accessKey, secretKey string) error {
	type credential struct {
		AccessKey string `json:"accessKey"`
		SecretKey string `json:"secretKey"`
	}
	type identity struct {
		Name        string       `json:"name"`
		Credentials []credential `json:"credentials"`
		Actions     []string     `json:"actions"`
	}
	config := map[string][]identity{"identities": {{
		Name:        "redrill",
		Credentials: []credential{{accessKey, secretKey}},
		Actions:     []string{"Admin", "Read", "Write", "List", "Tagging"},
	}}}
	data, err := json.Marshal(config)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// freePorts finds n loopback ports free now, held open together so that
// they differ.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		listeners = append(listeners, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
