package teststack

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	mrand "math/rand/v2"

	"go.temporal.io/sdk/client"

	"github.com/colorme-sync/colorme-sync/internal/testenv"
)

// OnCluster reports whether the tests run on the production-like cluster
// (TEMPORAL_STACK=cluster) instead of the CLI's dev server.
func OnCluster() bool { return os.Getenv("TEMPORAL_STACK") == "cluster" }

// ActiveCluster is the package's cluster under TEMPORAL_STACK=cluster, nil on the dev server.
var ActiveCluster *Cluster

// Cluster is a Temporal server v1.29.1 cluster started by scripts/cluster.sh:
// PostgreSQL persistence and visibility in databases of its own, the frontend,
// history, matching and worker services as separate processes.
type Cluster struct {
	// Dir holds the cluster's config, pid files and logs.
	Dir string
	// Port is the frontend's gRPC port; the other services use the next ones.
	Port int
	// DB is the persistence database; visibility is DB + "_visibility".
	DB string

	root   string
	mu     sync.Mutex
	client client.Client
}

// StartCluster starts a cluster with scripts/cluster.sh on free ports (or
// $TEMPORAL_CLUSTER_PORT) and fresh databases, and registers the namespace
// default and the ColorMeShop search attribute.
func StartCluster() (*Cluster, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "colorme-cluster-")
	if err != nil {
		return nil, err
	}
	port := 0
	if p := os.Getenv("TEMPORAL_CLUSTER_PORT"); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("TEMPORAL_CLUSTER_PORT=%q: %v", p, err)
		}
	} else if port, err = freePortBlock(); err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, Port: port, DB: "temporal_t_" + testenv.RandomHex(4), root: root}
	if out, err := c.Script("start"); err != nil {
		_, _ = c.Script("stop")
		return nil, fmt.Errorf("starting the Temporal cluster (logs in %s): %v\n%s", dir, err, out)
	}
	return c, nil
}

// freePortBlock finds a frontend port p with p..p+4 and p+10..p+13 free
// (the ports scripts/cluster.sh gives the four services).
func freePortBlock() (int, error) {
	for range 50 {
		base := 20000 + mrand.IntN(12000) // membership ports are a smallint in PostgreSQL: below 32768
		ok := true
		for _, off := range []int{0, 1, 2, 3, 4, 10, 11, 12, 13} {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+off))
			if err != nil {
				ok = false
				break
			}
			_ = ln.Close()
		}
		if ok {
			return base, nil
		}
	}
	return 0, fmt.Errorf("no free block of ports for the Temporal cluster (set TEMPORAL_CLUSTER_PORT)")
}

// Script runs scripts/cluster.sh with args on this cluster and returns its output.
func (c *Cluster) Script(args ...string) (string, error) {
	cmd := exec.Command("bash", append([]string{filepath.Join(c.root, "scripts", "cluster.sh")}, args...)...)
	cmd.Dir = c.root
	cmd.Env = append(os.Environ(),
		"CLUSTER_DIR="+c.Dir,
		"CLUSTER_PORT="+strconv.Itoa(c.Port),
		"CLUSTER_DB="+c.DB,
		"CLUSTER_DROP_DB=1",
	)
	if cli, err := TemporalCLI(); err == nil {
		cmd.Env = append(cmd.Env, "TEMPORAL_CLI="+cli)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// KillService SIGKILLs one service (frontend, history, matching or worker).
func (c *Cluster) KillService(t testing.TB, service string) {
	t.Helper()
	if out, err := c.Script("kill", service); err != nil {
		t.Fatalf("killing %s: %v\n%s", service, err, out)
	}
}

// StopService stops one service with SIGTERM (SIGKILL if it has not exited
// 10 s later) and waits until it has exited.
func (c *Cluster) StopService(t testing.TB, service string) {
	t.Helper()
	if out, err := c.Script("stop-service", service); err != nil {
		t.Fatalf("stopping %s: %v\n%s", service, err, out)
	}
}

// StartService starts a killed or stopped service again and waits until it listens.
func (c *Cluster) StartService(t testing.TB, service string) {
	t.Helper()
	if out, err := c.Script("start-service", service); err != nil {
		t.Fatalf("starting %s again: %v\n%s", service, err, out)
	}
}

// FrontendHostPort is the frontend's gRPC address.
func (c *Cluster) FrontendHostPort() string { return fmt.Sprintf("127.0.0.1:%d", c.Port) }

// Client is a client of the default namespace, dialled on first use.
func (c *Cluster) Client() client.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client == nil {
		var err error
		for i := 0; ; i++ {
			c.client, err = client.Dial(client.Options{HostPort: c.FrontendHostPort(), Namespace: "default", Logger: quietLogger()})
			if err == nil || i == 30 {
				break
			}
			time.Sleep(time.Second)
		}
		if err != nil {
			panic(fmt.Sprintf("teststack: dialling the cluster at %s: %v", c.FrontendHostPort(), err))
		}
	}
	return c.client
}

// Stop closes the client, stops the services and drops the databases; the
// directory with the logs is removed unless keep is set.
func (c *Cluster) Stop(keep bool) error {
	c.mu.Lock()
	if c.client != nil {
		c.client.Close()
	}
	c.mu.Unlock()
	out, err := c.Script("stop")
	if err != nil {
		return fmt.Errorf("stopping the cluster: %v\n%s", err, out)
	}
	if !keep {
		return os.RemoveAll(c.Dir)
	}
	return nil
}

func runOnCluster(m *testing.M) int {
	start := time.Now()
	c, err := StartCluster()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "teststack: Temporal cluster (server 1.29.1, PostgreSQL %s, 4 service processes) on %s, up in %s\n",
		c.DB, c.FrontendHostPort(), time.Since(start).Round(100*time.Millisecond))
	ActiveCluster, DevServer = c, c
	code := m.Run()
	keep := code != 0
	if err := c.Stop(keep); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	if keep {
		fmt.Fprintf(os.Stderr, "teststack: the cluster's logs are kept in %s\n", strings.TrimSpace(c.Dir))
	}
	return code
}
