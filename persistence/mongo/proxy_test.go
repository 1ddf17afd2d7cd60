package mongo

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"
)

// holdProxy is a loopback TCP proxy between a driver and the MongoDB-wire server that can
// hold back chosen client commands: while its predicate says so, a command's bytes (and every
// later message on that connection, to keep the order) stay in the proxy instead of reaching
// the server; release sends them. A client that gave up on such a command (its deadline
// passed) may close its connection: the proxy still delivers what it held and reads the
// server's answers, so a test can make a write land after its writer stopped waiting.
type holdProxy struct {
	t      *testing.T
	ln     net.Listener
	server string

	mu       sync.Mutex
	hold     func(command, collection string) bool
	released chan struct{} // closed by release
	held     int           // messages held so far
	answered map[int32]bool
	heldIDs  []int32
}

func newHoldProxy(t *testing.T, server string) *holdProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &holdProxy{t: t, ln: ln, server: server, released: make(chan struct{}), answered: map[int32]bool{}}
	t.Cleanup(func() { _ = ln.Close() })
	go p.accept()
	return p
}

// proxyURI is uri with its host replaced by the proxy's address.
func (p *holdProxy) proxyURI(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		p.t.Fatal(err)
	}
	u.Host = p.ln.Addr().String()
	q := u.Query()
	q.Set("directConnection", "true")
	u.RawQuery = q.Encode()
	return u.String()
}

// holdWhen starts holding every command for which hold reports true.
func (p *holdProxy) holdWhen(hold func(command, collection string) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hold = hold
}

// release stops holding and sends everything held; it then waits until the server has
// answered every held command, or fails the test after timeout.
func (p *holdProxy) release(timeout time.Duration) {
	p.mu.Lock()
	p.hold = nil
	close(p.released)
	ids := slices.Clone(p.heldIDs) // complete: nothing is held once released is closed
	p.mu.Unlock()
	if done := p.awaitAnswers(ids, timeout); done < len(ids) {
		p.t.Fatalf("proxy: server answered %d of %d held commands within %s", done, len(ids), timeout)
	}
}

// awaitAnswers waits until the server has answered every request in ids, or timeout passes,
// and reports how many it answered.
func (p *holdProxy) awaitAnswers(ids []int32, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		p.mu.Lock()
		done := 0
		for _, id := range ids {
			if p.answered[id] {
				done++
			}
		}
		p.mu.Unlock()
		if done == len(ids) || time.Now().After(deadline) {
			return done
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// heldCount reports how many client messages the proxy holds or held.
func (p *holdProxy) heldCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held
}

func (p *holdProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.server)
		if err != nil {
			_ = c.Close()
			continue
		}
		go p.serverToClient(s, c)
		go p.clientToServer(c, s)
	}
}

// serverToClient copies answers and notes which requests they answer (responseTo).
func (p *holdProxy) serverToClient(s, c net.Conn) {
	defer func() { _ = c.Close() }()
	for {
		msg, err := readMessage(s)
		if err != nil {
			return
		}
		p.mu.Lock()
		p.answered[int32(binary.LittleEndian.Uint32(msg[8:12]))] = true
		p.mu.Unlock()
		// The client may be gone (it gave up); the server's answer still counts.
		_, _ = c.Write(msg)
	}
}

// clientToServer forwards client messages one by one, holding them once the predicate
// matches one; a connection holding messages keeps its server side open until release.
func (p *holdProxy) clientToServer(c, s net.Conn) {
	var queue [][]byte
	defer func() {
		if len(queue) > 0 {
			<-p.released
			ids := make([]int32, 0, len(queue))
			for _, m := range queue {
				if _, err := s.Write(m); err != nil {
					break
				}
				ids = append(ids, int32(binary.LittleEndian.Uint32(m[4:8])))
			}
			// Keep the server connection open until it has answered what was sent (release
			// reports any it did not).
			p.awaitAnswers(ids, 15*time.Second)
		}
		_ = s.Close()
	}()
	for {
		msg, err := readMessage(c)
		if err != nil {
			return
		}
		p.mu.Lock()
		holding := p.hold != nil
		if holding && len(queue) == 0 {
			cmd, col := commandOf(msg)
			holding = p.hold(cmd, col)
		}
		if holding || len(queue) > 0 {
			select {
			case <-p.released:
				holding = false
			default:
				holding = true
			}
		}
		if holding {
			p.held++
			p.heldIDs = append(p.heldIDs, int32(binary.LittleEndian.Uint32(msg[4:8])))
		}
		p.mu.Unlock()
		if holding {
			queue = append(queue, msg)
			continue
		}
		if len(queue) > 0 {
			// Released while this connection held messages: send them first, in order.
			for _, m := range queue {
				if _, err := s.Write(m); err != nil {
					return
				}
			}
			queue = nil
		}
		if _, err := s.Write(msg); err != nil {
			return
		}
	}
}

// readMessage reads one wire protocol message (its header's first field is its length).
func readMessage(r io.Reader) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return nil, err
	}
	n := int(binary.LittleEndian.Uint32(size[:]))
	if n < 16 || n > 64<<20 {
		return nil, errors.New("proxy: bad message length")
	}
	msg := make([]byte, n)
	copy(msg, size[:])
	if _, err := io.ReadFull(r, msg[4:]); err != nil {
		return nil, err
	}
	return msg, nil
}

// commandOf names an OP_MSG's command and the collection it targets (its first element:
// {insert: "buckets", ...}); other messages name nothing.
func commandOf(msg []byte) (command, collection string) {
	const opMsg = 2013
	if len(msg) < 21+5 || binary.LittleEndian.Uint32(msg[12:16]) != opMsg || msg[20] != 0 {
		return "", ""
	}
	body := msg[21:]
	typ := body[4]
	rest := body[5:]
	end := 0
	for end < len(rest) && rest[end] != 0 {
		end++
	}
	if end == len(rest) {
		return "", ""
	}
	command = string(rest[:end])
	if typ == 0x02 && len(rest) > end+5 { // a string: the collection
		n := int(binary.LittleEndian.Uint32(rest[end+1 : end+5]))
		if n > 0 && end+5+n <= len(rest) {
			collection = string(rest[end+5 : end+5+n-1])
		}
	}
	return command, collection
}
