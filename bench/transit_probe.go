package bench

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/actors"
)

// gateAllowance is the transit delay the engine's departure gate allows for
// (actors.JitterMargin): it lets at most rate sends leave in any 1 s + gateAllowance, so Meta
// counts at most rate in a second as long as no request waits on its way gateAllowance longer
// than another.
const gateAllowance = actors.JitterMargin

// probeInterval is how often the transit probe sends: several times within a stall as long as
// the gate's allowance, and cheap enough not to cause one (two wake-ups and two syscalls each:
// 2 % of a core on this VM, loaded; 4 % at 2 ms).
const probeInterval = 5 * time.Millisecond

// transitProbe measures, while a scenario runs, how long a small write on loopback takes to
// reach its reader in this process: the way a request takes from the engine's Graph client to
// fakemeta's handler (bench/FINDINGS.md, session 15: the gate to the client's Do 0.0 ms, Do to
// fakemeta 20–110 ms when other work held the CPUs). A slowest transit above gateAllowance
// says the machine could not keep the gate's assumption: requests that left spaced could
// arrive together, and Meta's one-second count then judges the machine, not the pacer. It
// samples the way every probeInterval, not the requests themselves: a stall it did not see
// leaves a window above the rate unexplained, which is then counted against the pacer.
type transitProbe struct {
	conns   [2]net.Conn // writer, reader
	start   time.Time   // the writes carry the monotonic time since start
	worst   atomic.Int64
	samples atomic.Int64
	stop    chan struct{}
	wg      sync.WaitGroup
	errs    [2]error // the writer's and the reader's, once they stopped
}

// startTransitProbe connects a loopback pair and starts measuring.
func startTransitProbe() (*transitProbe, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: transit probe: %w", err)
	}
	defer ln.Close()
	w, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return nil, fmt.Errorf("bench: transit probe: %w", err)
	}
	r, err := ln.Accept()
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("bench: transit probe: %w", err)
	}
	p := &transitProbe{conns: [2]net.Conn{w, r}, start: time.Now(), stop: make(chan struct{})}
	p.wg.Go(p.write)
	p.wg.Go(p.read)
	return p, nil
}

func (p *transitProbe) write() {
	defer p.conns[0].Close() // the reader sees EOF, or an error should a write have failed
	tick := time.NewTicker(probeInterval)
	defer tick.Stop()
	var b [8]byte
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
			binary.LittleEndian.PutUint64(b[:], uint64(time.Since(p.start)))
			if _, err := p.conns[0].Write(b[:]); err != nil {
				p.errs[0] = fmt.Errorf("bench: transit probe: %w", err) // it saw nothing since
				return
			}
		}
	}
}

func (p *transitProbe) read() {
	defer p.conns[1].Close()
	var b [8]byte
	for {
		if _, err := io.ReadFull(p.conns[1], b[:]); err != nil {
			if !errors.Is(err, io.EOF) {
				p.errs[1] = fmt.Errorf("bench: transit probe: %w", err)
			}
			return
		}
		p.observe(time.Since(p.start) - time.Duration(binary.LittleEndian.Uint64(b[:])))
	}
}

// observe records one transit.
func (p *transitProbe) observe(d time.Duration) {
	p.samples.Add(1)
	for {
		w := p.worst.Load()
		if int64(d) <= w || p.worst.CompareAndSwap(w, int64(d)) {
			return
		}
	}
}

// finish stops the probe and returns the slowest transit it saw; an error when it saw none
// (then it cannot say the machine was calm).
func (p *transitProbe) finish() (time.Duration, error) {
	close(p.stop)
	p.wg.Wait()
	if err := errors.Join(p.errs[:]...); err != nil {
		return 0, err
	}
	if p.samples.Load() == 0 {
		return 0, errors.New("bench: transit probe: no sample")
	}
	return time.Duration(p.worst.Load()), nil
}
