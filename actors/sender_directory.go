package actors

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/switchboard/switchboard/internal/phone"
	"github.com/switchboard/switchboard/persistence"
)

// The tenant's directory entry as the sender sees it: its number, its rate and its token,
// opened once per sealed value and kept in memory; read again when it is older than
// DirectoryRefresh (or at once, when a refusal would rest on it).

// dirLoaded carries a fresh directory entry.
type dirLoaded struct {
	t   persistence.Tenant
	err error
	// readAt is when the read started: the entry is at least as fresh as that.
	readAt time.Time
}

// refreshDirectory reads the tenant's directory entry again when it is older than the
// policy allows (or now, when forced); the grain answers from the old copy meanwhile.
func (s *sender) refreshDirectory(now time.Time, force bool) {
	if s.dirBusy || (!force && now.Sub(s.dirAt) < s.pol.DirectoryRefresh) || s.d.Store == nil {
		return
	}
	s.dirBusy = true
	dir, id, tell, readAt := s.d.Store.Directory(), s.tenantID, s.tell, now
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		t, err := dir.TenantByID(ctx, id)
		tell(&dirLoaded{t: t, err: err, readAt: readAt})
	}()
}

// applyDirectory takes a directory entry: the token is opened again only when it changed,
// and the pacers follow the tenant's rate.
func (s *sender) applyDirectory(t persistence.Tenant) {
	s.dir, s.dirFound = t, true
	s.ownLine = ""
	if own := phone.Digits(t.DisplayPhoneNumber); own != "" {
		s.ownLine = phone.LineKey(own)
	}
	sealed := sealedKey(t.AccessToken)
	if sealed != s.sealed {
		s.sealed, s.token = sealed, ""
		if !t.AccessToken.IsZero() && s.d.Secrets != nil {
			tok, err := s.d.Secrets.Open(t.AccessToken, t.ID)
			if err != nil {
				s.d.Log.Error("tenant access token does not open", "tenant", t.ID, "err", err)
			}
			s.token = tok
		}
	}
	s.followRate()
	s.followReauth(sealed)
}

// followReauth clears a removal of the app (TenantState.NeedsReauth) once the directory holds
// another token than the one the removal killed — a new Embedded Signup — as deadToken does
// for a token Meta rejected; until then, re-saving the same token (or clearing the
// directory's flag) does not bring sends back. A removal recorded before the entry was read
// (ReauthToken "", or a snapshot from before it was kept) is tied to the first token read.
func (s *sender) followReauth(sealed string) {
	if !s.state.NeedsReauth || sealed == "" {
		return
	}
	switch mark := tokenMark(sealed); s.state.ReauthToken {
	case mark:
		return
	case "":
		s.state.ReauthToken = mark
	default:
		s.state.NeedsReauth, s.state.ReauthToken, s.state.TokenAdoptedAt = false, "", s.d.Now().UTC()
		s.d.Log.Info("tenant holds a new token; the app's removal no longer pauses its sends", "tenant", s.tenantID)
	}
	if err := s.save(); err != nil {
		s.d.Log.Error("tenant re-authorisation not persisted", "tenant", s.tenantID, "err", err)
	}
}

// tokenMark identifies a sealed token (sealedKey) in the tenant's snapshot without keeping
// the token, sealed or not: a SHA-256 prefix. "" for none.
func tokenMark(sealed string) string {
	if sealed == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(sealed))
	return hex.EncodeToString(sum[:12])
}

// rate is the tenant's pacing rate from its setting and its number's tier.
func (s *sender) rate() int { return s.pol.rateOf(s.dir.MessagesPerSecond, s.state.HighThroughput) }

// chargeInbound counts n messages the tenant's number received against its throughput, so
// a number busy receiving sends correspondingly slower instead of meeting 130429s. Before
// the directory entry is known there is no number to charge; the pacer's 130429 handling
// covers that moment.
func (s *sender) chargeInbound(n int) {
	if !s.enabled() || !s.dirFound || s.dir.PhoneNumberID == "" {
		return
	}
	s.number(s.dir.PhoneNumberID).pace.charge(s.d.Now(), n)
}

// followRate sets every number's pacer to the tenant's rate, after the setting or the tier
// changed.
func (s *sender) followRate() {
	for _, nq := range s.numbers {
		nq.pace.setLimit(s.rate())
	}
}

func sealedKey(s persistence.SealedSecret) string {
	if s.IsZero() {
		return ""
	}
	var b bytes.Buffer
	b.WriteString(s.KeyID)
	b.WriteByte(':')
	b.WriteString(base64.StdEncoding.EncodeToString(s.Ciphertext))
	return b.String()
}
