package checks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/zclconf/go-cty/cty"
)

// objectKind looks at an object store through the S3 API: is the newest
// backup there, how big, how old. `object { endpoint = "s3.eu-west-1.amazonaws.com",
// bucket = "backups", prefix = "orders/" }`.
type objectKind struct{ declaration }

func init() { register(newObjectKind()) }

// objectType is one object: the newest under a prefix, or the key asked.
var objectType = cty.Object(map[string]cty.Type{
	"key":      cty.String,
	"size":     cty.Number,
	"modified": cty.String,
	"age":      cty.Number,
})

func newObjectKind() objectKind {
	return objectKind{declaration{
		name: "object",
		spec: hcldec.ObjectSpec{
			"endpoint":      required("endpoint", cty.String),
			"bucket":        required("bucket", cty.String),
			"key":           optional("key", cty.String),
			"prefix":        optional("prefix", cty.String),
			"access_key":    optional("access_key", cty.String),
			"secret_key":    optional("secret_key", cty.String),
			"session_token": optional("session_token", cty.String),
			"region":        optional("region", cty.String),
			"tls":           optional("tls", cty.Bool),
			"timeout":       optionalDuration("timeout"),
		},
		result: resultType(map[string]cty.Type{
			"exists":   cty.Bool,
			"size":     cty.Number,
			"modified": cty.String,
			"age":      cty.Number,
			"newest":   objectType,
			"count":    cty.Number,
			"duration": cty.Number,
		}),
		// Listing a large prefix takes a while; a server that never answers
		// must not hang a step that gives no timeout.
		defaultTimeout: 30 * time.Second,
	}}
}

// objectTarget tells one store connection from another: a client (and its
// connections) is kept for each.
type objectTarget struct {
	host, region                       string
	secure                             bool
	accessKey, secretKey, sessionToken string
}

func (objectKind) Run(ctx context.Context, env *Env, config cty.Value) (map[string]cty.Value, error) {
	target, err := objectTargetOf(config)
	if err != nil {
		return nil, err
	}
	// Keys written as literals, not from sensitive variables, are hidden
	// all the same.
	env.Redactor.Add(target.secretKey)
	env.Redactor.Add(target.sessionToken)
	bucket, key, prefix := stringAttr(config, "bucket"), stringAttr(config, "key"), stringAttr(config, "prefix")
	if bucket == "" {
		return nil, errors.New(`bucket is empty: name the bucket, such as bucket = "backups"`)
	}
	if !config.GetAttr("key").IsNull() && !config.GetAttr("prefix").IsNull() {
		return nil, errors.New("key and prefix are both set: give key for one object, or prefix for the newest of those under it")
	}
	client, err := env.objectClient(target)
	if err != nil {
		return nil, err
	}
	started := env.Now()
	var found []minio.ObjectInfo
	if !config.GetAttr("key").IsNull() {
		found, err = statObject(ctx, client, bucket, key)
	} else {
		found, err = listObjects(ctx, client, bucket, prefix)
	}
	duration := seconds(env.Now().Sub(started))
	if err != nil {
		return map[string]cty.Value{"duration": duration}, objectError(ctx, err, target.host, bucket)
	}
	return objectFields(env.Now(), found, duration), nil
}

// objectTargetOf reads where the store is: an endpoint is host:port (TLS
// unless tls = false) or a URL whose scheme says it.
func objectTargetOf(config cty.Value) (objectTarget, error) {
	endpoint := stringAttr(config, "endpoint")
	target := objectTarget{
		host:         endpoint,
		region:       stringAttr(config, "region"),
		secure:       boolAttr(config, "tls", true),
		accessKey:    stringAttr(config, "access_key"),
		secretKey:    stringAttr(config, "secret_key"),
		sessionToken: stringAttr(config, "session_token"),
	}
	if scheme, rest, ok := strings.Cut(endpoint, "://"); ok {
		u, err := url.Parse(endpoint)
		if err != nil || (scheme != "http" && scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
			return target, fmt.Errorf("endpoint %q: write the store's address, such as \"s3.eu-west-1.amazonaws.com\" or \"http://minio.internal:9000\", without a bucket or path", endpoint)
		}
		secure := scheme == "https"
		if tls := config.GetAttr("tls"); !tls.IsNull() && tls.True() != secure {
			return target, fmt.Errorf("endpoint %q says %s and tls says %v: keep one of them", endpoint, scheme, tls.True())
		}
		target.host, target.secure = strings.TrimSuffix(rest, "/"), secure
	}
	if target.host == "" || strings.ContainsAny(target.host, "/?#") {
		return target, fmt.Errorf("endpoint %q: write the store's address, such as \"s3.eu-west-1.amazonaws.com\" or \"minio.internal:9000\", without a bucket or path", endpoint)
	}
	if (target.accessKey == "") != (target.secretKey == "") {
		return target, errors.New("access_key and secret_key go together: give both, or neither to use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment")
	}
	return target, nil
}

// statObject asks for one object; a missing key is an empty answer, not
// an error: "is the backup there" is the question.
func statObject(ctx context.Context, client *minio.Client, bucket, key string) ([]minio.ObjectInfo, error) {
	info, err := client.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	if err != nil {
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil, nil
		}
		return nil, err
	}
	return []minio.ObjectInfo{info}, nil
}

// listObjects lists every object under prefix, draining the listing even
// when it fails, as minio-go asks.
func listObjects(ctx context.Context, client *minio.Client, bucket, prefix string) ([]minio.ObjectInfo, error) {
	var found []minio.ObjectInfo
	var err error
	for info := range client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		switch {
		case err != nil:
		case info.Err != nil:
			err = info.Err
		default:
			found = append(found, info)
		}
	}
	return found, err
}

// objectFields makes the result: for a key, the object; for a prefix,
// the count and total size of the objects under it and the newest of them.
func objectFields(now time.Time, found []minio.ObjectInfo, duration cty.Value) map[string]cty.Value {
	fields := map[string]cty.Value{
		"exists":   cty.BoolVal(len(found) > 0),
		"count":    cty.NumberIntVal(int64(len(found))),
		"duration": duration,
	}
	if len(found) == 0 {
		return fields
	}
	newest, total := found[0], int64(0)
	for _, info := range found {
		total += info.Size
		if info.LastModified.After(newest.LastModified) {
			newest = info
		}
	}
	fields["newest"] = cty.ObjectVal(map[string]cty.Value{
		"key":      cty.StringVal(newest.Key),
		"size":     cty.NumberIntVal(newest.Size),
		"modified": cty.StringVal(newest.LastModified.UTC().Format(time.RFC3339Nano)),
		"age":      seconds(now.Sub(newest.LastModified)),
	})
	fields["size"] = cty.NumberIntVal(total)
	fields["modified"] = fields["newest"].GetAttr("modified")
	fields["age"] = fields["newest"].GetAttr("age")
	return fields
}

// objectError says what the store answered, in its own words where it
// gave some.
func objectError(ctx context.Context, err error, host, bucket string) error {
	if ctx.Err() != nil {
		return fmt.Errorf("object store %s: %w", host, context.Cause(ctx))
	}
	response := minio.ToErrorResponse(err)
	switch response.Code {
	case minio.NoSuchBucket:
		return fmt.Errorf("object store %s has no bucket %q", host, bucket)
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch":
		return fmt.Errorf("object store %s refused the credentials for bucket %q: %s (%s)", host, bucket, response.Message, response.Code)
	}
	return fmt.Errorf("object store %s, bucket %q: %w", host, bucket, err)
}

func (objectKind) Succeeded(result cty.Value) (bool, string) {
	exists := result.GetAttr("exists")
	if exists.IsNull() {
		return false, "the object store did not answer"
	}
	if exists.False() {
		return false, "no such object"
	}
	return true, ""
}

// objectClient returns the client for a store, making it on first use, so
// that a check polled every second keeps its connections.
func (e *Env) objectClient(target objectTarget) (*minio.Client, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if client, ok := e.objectClients[target]; ok {
		return client, nil
	}
	creds := credentials.NewStaticV4(target.accessKey, target.secretKey, target.sessionToken)
	if target.accessKey == "" {
		// The environment's keys, as the AWS tools read them; anonymous
		// without them (a public bucket).
		creds = credentials.NewChainCredentials([]credentials.Provider{&credentials.EnvAWS{}, &credentials.EnvMinio{}})
	}
	// minio-go's own transport: it asks for no compression, so that no
	// size is read from a body Go took the gzip off.
	transport, err := minio.DefaultTransport(target.secure)
	if err != nil {
		return nil, fmt.Errorf("object store %s: %w", target.host, err)
	}
	transport.MaxIdleConnsPerHost = 4
	client, err := minio.New(target.host, &minio.Options{
		Creds:     creds,
		Secure:    target.secure,
		Region:    target.region,
		Transport: transport,
		// A request is made once: redrill's retries are the step's, each
		// bounded by its timeout.
		MaxRetries: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("object store %s: %w", target.host, err)
	}
	e.objectClients[target] = client
	e.objectTransports = append(e.objectTransports, transport)
	return client, nil
}
