package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// ByteSize is a size in bytes written as 512KiB, 1MiB, 3MB or a plain number.
type ByteSize int

// UnmarshalText parses a size with an optional KB/KiB/MB/MiB unit.
func (b *ByteSize) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	units := []struct {
		suffix string
		mult   int
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"KB", 1000}, {"MB", 1000 * 1000}, {"B", 1}}
	mult := 1
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(num), u.mult
			break
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return fmt.Errorf("%q is not a size like 512KiB or 3MiB", string(text))
	}
	*b = ByteSize(n * mult)
	return nil
}

// ProxyHops is how many proxies in front of the engine write X-Forwarded-For: "false" (none),
// "true" (one: a load balancer) or a number up to 10.
type ProxyHops int

// maxProxyHops bounds ProxyHops: chains longer than a CDN, a load balancer and an ingress or
// two are a misreading of the setting.
const maxProxyHops = 10

// UnmarshalText parses false, true or a number of hops.
func (h *ProxyHops) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	switch strings.ToLower(s) {
	case "false":
		*h = 0
		return nil
	case "true":
		*h = 1
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > maxProxyHops {
		return fmt.Errorf("%q is not false, true or a number of proxies from 0 to %d", s, maxProxyHops)
	}
	*h = ProxyHops(n)
	return nil
}

// RateRule is "count/window", e.g. 100/15m: at most count events per window.
type RateRule struct {
	Limit  int
	Window time.Duration
}

// UnmarshalText parses "100/15m".
func (r *RateRule) UnmarshalText(text []byte) error {
	count, window, ok := strings.Cut(strings.TrimSpace(string(text)), "/")
	n, err := strconv.Atoi(count)
	if !ok || err != nil || n <= 0 {
		return fmt.Errorf("%q is not a rate like 100/15m", string(text))
	}
	var w Duration
	if err := w.UnmarshalText([]byte(window)); err != nil || w <= 0 {
		return fmt.Errorf("%q is not a rate like 100/15m", string(text))
	}
	r.Limit, r.Window = n, w.Std()
	return nil
}

// String writes the rule back as count/window.
func (r RateRule) String() string { return fmt.Sprintf("%d/%s", r.Limit, r.Window) }

func joinHostPort(host string, port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }

// ConnLimit is MAX_CONNS_PER_IP: "auto", 0 (off) or a number of connections.
type ConnLimit int

// AutoConnLimit is "auto": DefaultConnsPerIP without TRUST_PROXY, off behind proxies.
const AutoConnLimit ConnLimit = -1

// DefaultConnsPerIP is what "auto" bounds a client address to when clients reach the engine
// directly: above what a browser (6 per origin) or an API client's pool needs, even for an
// office behind one NAT address, and low enough that one address cannot take the server's
// 16,000 connections (or, declaring 3 MiB webhook bodies, 48 GB of memory).
const DefaultConnsPerIP = 512

// MaxConns is the server's own bound on open connections (fasthttp's Concurrency, and the
// listener's total): a larger per-address bound would bound nothing.
const MaxConns = 16_000

// UnmarshalText parses auto or a number of connections (0 turns the bound off).
func (l *ConnLimit) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	if strings.EqualFold(s, "auto") {
		*l = AutoConnLimit
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > MaxConns {
		return fmt.Errorf("%q is not auto or a number of connections from 0 (off) to %d", s, MaxConns)
	}
	*l = ConnLimit(n)
	return nil
}
