package embedded_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/persistence/embedded"
	"github.com/switchboard/switchboard/persistence/storetest"
)

func open(t *testing.T, dir string) persistence.Store {
	t.Helper()
	s, err := embedded.Open(dir)
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) persistence.Store { return open(t, t.TempDir()) })
}

func TestReopen(t *testing.T) {
	storetest.RunReopen(t, func(t *testing.T) storetest.Opener {
		dir := t.TempDir()
		return func(t *testing.T) persistence.Store { return open(t, dir) }
	})
}

func TestOpenCreatesNestedDataDir(t *testing.T) {
	dir := t.TempDir() + "/a/b/data"
	s := open(t, dir)
	defer s.Close(context.Background())
	if _, err := os.Stat(dir + "/" + embedded.FileName); err != nil {
		t.Fatalf("database file: %v", err)
	}
}

// lockHelperEnv makes this test binary, re-executed, play the second process in
// TestSecondProcessIsRefused: it opens the directory named there and reports the error.
const lockHelperEnv = "SWITCHBOARD_EMBEDDED_LOCK_HELPER_DIR"

// writerHelperEnv makes this test binary, re-executed, the process TestKilledWriterLosesNothing
// kills: it writes to the directory named there and reports each acknowledged write.
const writerHelperEnv = "SWITCHBOARD_EMBEDDED_WRITER_HELPER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(writerHelperEnv); dir != "" {
		writeUntilKilled(dir)
	}
	if dir := os.Getenv(lockHelperEnv); dir != "" {
		s, err := embedded.Open(dir)
		if err != nil {
			os.Stdout.WriteString(err.Error())
			if errors.Is(err, persistence.ErrUnavailable) {
				os.Exit(3)
			}
			os.Exit(2)
		}
		_ = s.Close(context.Background())
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestSecondProcessIsRefused(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)

	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+dir)
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("second process: err %v, output %q; want exit 3 (ErrUnavailable)", err, out)
	}
	if !strings.Contains(string(out), "in use by another process") || !strings.Contains(string(out), dir) {
		t.Fatalf("second process error %q does not say the data directory %s is in use", out, dir)
	}

	// Once the first process lets go, the directory opens again.
	if err := s.Close(context.Background()); err != nil {
		t.Fatalf("close: %v", err)
	}
	cmd = exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("open after close: %v: %s", err, out)
	}
}

// writeUntilKilled writes, from 8 goroutines, message i as an outbox row, an inbox entry and
// version i of a snapshot (with a bucket), and prints "acked i" once all three are durable.
func writeUntilKilled(dir string) {
	s, err := embedded.Open(dir)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	next := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				mu.Lock()
				next++
				i := next
				mu.Unlock()
				if err := writeOne(ctx, s, i); err != nil {
					fmt.Println("write:", err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintf(out, "acked %d\n", i)
				out.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// convLocks serialise writeOne's snapshot writes per conversation.
var convLocks [16]sync.Mutex

func writeOne(ctx context.Context, s persistence.Store, i int) error {
	now := time.Now().UTC()
	id := fmt.Sprintf("m%08d", i)
	row := persistence.OutboxMessage{ID: id, TenantID: "t1", ConversationID: "t1_1", PhoneNumberID: "p", Recipient: "+1",
		State: persistence.OutboxSending, Request: []byte(`{"a":1}`), NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
	if err := s.Outbox().Enqueue(ctx, []persistence.OutboxMessage{row}); err != nil {
		return err
	}
	row.State, row.WAMID = persistence.OutboxSent, "wamid."+id
	if err := s.Outbox().Transition(ctx, persistence.OutboxSending, row); err != nil {
		return err
	}
	if err := s.Inbox().Append(ctx, []persistence.InboxEntry{{ID: id, Body: []byte(id), ReceivedAt: now}}); err != nil {
		return err
	}
	// Version v+1 is read, then written: two writers of one conversation at once (i and
	// i+16, when a goroutine stalls while the others run ahead) would both claim it and
	// one would be refused. The store is right to refuse; the test serialises them.
	convLocks[i%16].Lock()
	defer convLocks[i%16].Unlock()
	conv := fmt.Sprintf("c%d", i%16)
	snap := persistence.Snapshot{Kind: "conversation", Identity: conv, Version: 1, Data: []byte(id), UpdatedAt: now}
	if cur, err := s.Snapshots().Load(ctx, "conversation", conv); err == nil {
		snap.Version = cur.Version + 1
	}
	b := persistence.Bucket{Conversation: conv, Seq: int(snap.Version), Count: 1, Data: []byte(id), UpdatedAt: now}
	return s.Snapshots().Commit(ctx, snap, []persistence.Bucket{b})
}

// A process killed while it writes loses nothing it acknowledged: its last checkpoints are
// in the bbolt files, everything after them in the journals, which the next Open replays.
// The kill lands after several checkpoints (every 500 ms), at no chosen moment.
func TestKilledWriterLosesNothing(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), writerHelperEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[int]bool{}
	lines := bufio.NewScanner(stdout)
	deadline := time.Now().Add(1500 * time.Millisecond)
	for lines.Scan() {
		n, ok := strings.CutPrefix(lines.Text(), "acked ")
		if !ok {
			t.Fatalf("writer: %s", lines.Text())
		}
		i, _ := strconv.Atoi(n)
		acked[i] = true
		if time.Now().After(deadline) && len(acked) >= 200 {
			break
		}
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if len(acked) < 200 {
		t.Fatalf("the writer acknowledged only %d writes", len(acked))
	}

	s := open(t, dir)
	defer s.Close(context.Background())
	ctx := t.Context()
	for i := range acked {
		id := fmt.Sprintf("m%08d", i)
		if row, err := s.Outbox().Get(ctx, id); err != nil || row.State != persistence.OutboxSent || row.WAMID != "wamid."+id {
			t.Fatalf("acknowledged outbox row %s after the kill: %+v, %v", id, row, err)
		}
	}
	pending, err := s.Inbox().Pending(ctx, "", len(acked)+1000)
	if err != nil {
		t.Fatal(err)
	}
	inbox := map[string]bool{}
	for _, e := range pending {
		inbox[e.ID] = true
	}
	for i := range acked {
		if id := fmt.Sprintf("m%08d", i); !inbox[id] {
			t.Fatalf("acknowledged inbox entry %s lost", id)
		}
	}
	// Every snapshot's acknowledged versions are all there: version v has its bucket v.
	for c := range 16 {
		conv := fmt.Sprintf("c%d", c)
		snap, err := s.Snapshots().Load(ctx, "conversation", conv)
		if err != nil {
			t.Fatalf("snapshot %s: %v", conv, err)
		}
		for v := 1; v <= int(snap.Version); v++ {
			if _, err := s.Buckets().Get(ctx, conv, v); err != nil {
				t.Fatalf("%s version %d is stored but its bucket %d: %v", conv, snap.Version, v, err)
			}
		}
	}
	t.Logf("%d writes acknowledged before the kill, all there after it", len(acked))
}
