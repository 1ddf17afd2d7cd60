package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/actors"
	"github.com/switchboard/switchboard/internal/ctxsleep"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/transport/graph"
)

// outboundPolicy is the sender's policy from the configuration.
func (e *Engine) outboundPolicy() actors.OutboundPolicy {
	c := e.cfg
	return actors.OutboundPolicy{
		PairInterval: c.OutboundPairInterval, PairBurst: c.OutboundPairBurst,
		MaxTransientAttempts: c.OutboundMaxAttempts, ReconcileAfter: c.OutboundReconcileAfter,
		PauseFor: c.OutboundPauseFor, QueueWindow: c.OutboundQueueWindow, Validity: c.OutboundValidity,
	}
}

// sendReadReceipt marks the conversation's last inbound message read at Meta (which marks
// the earlier ones too), with the tenant's own token, unless Meta accepted a receipt for it
// already or one is on its way: an inbox calls PUT /read whenever an agent opens the
// conversation, and each repeat would be a Graph call against the app's limits. It runs
// after the API has answered. Meta trouble (131000 and the other transient codes, 5xx, a
// lost connection) and throughput refusals (130429) are retried after Meta's backoff —
// marking read is idempotent, so a retry after an unknown outcome is harmless — within
// readReceiptDeadline; anything else, or a wait past it, is logged, and the next PUT /read
// tries again. Receipts are not paced with sends: one per agent action is far below a
// number's throughput.
func (e *Engine) sendReadReceipt(_ context.Context, s actors.ConversationSummary) {
	e.markReadAtMeta(s, false, readReceiptAttempts, readReceiptDeadline)
}

// sendTyping shows the customer "typing…" on their last message (which Meta marks read
// with it). Once, within typingDeadline: a typing indicator retried seconds later would
// show after the reply it announced.
func (e *Engine) sendTyping(_ context.Context, s actors.ConversationSummary) {
	e.markReadAtMeta(s, true, 1, typingDeadline)
}

// markReadAtMeta marks the conversation's last inbound message read at Meta, with the typing
// indicator when typing, in the background, trying up to attempts times within deadline.
// The conversation names the message (ClaimReadReceipt: none when Meta has it read or is
// being told) and learns Meta's answer, so only an accepted receipt holds back the next.
func (e *Engine) markReadAtMeta(s actors.ConversationSummary, typing bool, attempts int, deadline time.Duration) {
	if s.LastInboundWAMID == "" {
		return
	}
	what := "read receipt"
	if typing {
		what = "typing indicator"
	}
	_, key, ok := actors.ParseConversationID(s.ID)
	if !ok {
		e.log.Warn(what+" not sent: malformed conversation id", "conversation", s.ID)
		return
	}
	e.background.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		claim, err := e.actors.ClaimReadReceipt(ctx, s.TenantID, key, &actors.ClaimReadReceipt{Typing: typing, For: deadline})
		if err != nil {
			e.log.Warn(what+" not sent", "conversation", s.ID, "err", err)
			return
		}
		if claim.WAMID == "" {
			return
		}
		t, token, err := e.connected(ctx, s.TenantID)
		if err != nil {
			// A tenant that may not call Meta says so at its next send; nothing to add here.
			e.log.Debug(what+" not sent", "conversation", s.ID, "err", err)
		} else if err = e.tokenVerdict(t, e.markReadWithRetries(ctx, token, phoneWritten(s, t), claim.WAMID, typing, attempts)); err != nil {
			e.log.Warn(what+" not sent", "conversation", s.ID, "err", err)
		}
		// On a context of its own: retrying may have used up the deadline. A report lost
		// costs one more receipt at most: the claim lapses at the deadline.
		rctx, rcancel := context.WithTimeout(context.Background(), readReceiptReportTimeout)
		defer rcancel()
		sent := &actors.ReadReceiptSent{Claim: *claim, Accepted: err == nil}
		if err := e.actors.ReadReceiptSent(rctx, s.TenantID, key, sent); err != nil {
			e.log.Warn(what+" outcome not recorded", "conversation", s.ID, "err", err)
		}
	})
}

// phoneWritten is the business number the customer wrote to, else the tenant's.
func phoneWritten(s actors.ConversationSummary, t persistence.Tenant) string {
	if s.PhoneNumberID != "" {
		return s.PhoneNumberID
	}
	return t.PhoneNumberID
}

// markReadWithRetries marks wamid read at Meta, retrying Meta trouble and throughput
// refusals up to attempts times after the waits Meta's table gives (graph.Backoff: 130429
// and 131000 a second or two, doubling and jittered). A refusal whose wait would outlast ctx
// (131057 maintenance, the app's or WABA's rate limit: a minute or more) is not retried:
// calling again sooner only meets the same limit, which 4 shares among every tenant.
func (e *Engine) markReadWithRetries(ctx context.Context, token, phoneNumberID, wamid string, typing bool, attempts int) error {
	for attempt := 1; ; attempt++ {
		err := e.graph.MarkRead(ctx, token, phoneNumberID, wamid, typing)
		class := graph.ClassOf(err)
		if err == nil || (class != graph.RetryTransient && class != graph.RetryThroughput) || attempt == attempts {
			return err
		}
		wait := graph.Backoff(err, attempt-1)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= wait {
			return err
		}
		if ctxsleep.Sleep(ctx, wait) != nil {
			return err
		}
	}
}

// Read receipts: attempts and the overall deadline; a typing indicator gets one attempt
// within its own deadline.
const (
	readReceiptAttempts = 4
	readReceiptDeadline = 15 * time.Second
	typingDeadline      = 5 * time.Second
	// readReceiptReportTimeout bounds telling the conversation Meta's answer.
	readReceiptReportTimeout = 10 * time.Second
)

// phoneNumberStatus asks Meta for a connected tenant's number with its own token: quality,
// messaging limit, throughput and health status (GET /tenants/:id/status).
func (e *Engine) phoneNumberStatus(ctx context.Context, tenantID string) (*graph.PhoneNumber, error) {
	t, token, err := e.connected(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	n, err := e.graph.PhoneNumber(ctx, token, t.PhoneNumberID)
	return n, e.tokenVerdict(t, err)
}

// connected reads a tenant that may call Meta with its own token (callRefusal), and opens
// the token. Paused sends do not stop what sends nothing (a read receipt, an upload, a
// template sync, the status).
func (e *Engine) connected(ctx context.Context, tenantID string) (persistence.Tenant, string, error) {
	t, err := e.store.Directory().TenantByID(ctx, tenantID)
	switch {
	case errors.Is(err, persistence.ErrNotFound): // not found, as everything of the tenant
		return t, "", fmt.Errorf("tenant %s: %w", tenantID, err)
	case err != nil:
		return t, "", fmt.Errorf("read tenant %s: %w", tenantID, err)
	}
	if r := callRefusal(t); r != nil {
		return t, "", r
	}
	token, err := e.vault.Open(t.AccessToken, t.ID)
	if err != nil {
		return t, "", &actors.SendRefusedError{Code: actors.FailureNotConfigured, Reason: "the tenant's access token cannot be opened with this node's keys"}
	}
	return t, token, nil
}

// tokenVerdict returns err, the answer to a call made with t's token, after flagging t as
// needing re-authorisation when Meta rejected that token (190): whichever call meets it, the
// token is dead for sends too (WHATSAPP.md §2.3), and the status and the next send should
// say so now rather than after a send was accepted and held. The flag is written only
// while the directory still holds that token (a signup since is not undone).
func (e *Engine) tokenVerdict(t persistence.Tenant, err error) error {
	if err != nil && graph.ClassOf(err) == graph.Reauth {
		e.recordTokenRejected(t.ID, t.AccessToken)
	}
	return err
}

// callRefusal is why a tenant's directory entry may not call Meta, as a send would be
// refused: deactivated, no connected number or token, or a token Meta rejected. Nil: it may.
func callRefusal(t persistence.Tenant) *actors.SendRefusedError {
	switch {
	case !t.Active:
		return &actors.SendRefusedError{Code: actors.FailureTenantInactive, Reason: "the tenant is deactivated"}
	case t.PhoneNumberID == "" || t.AccessToken.IsZero():
		return &actors.SendRefusedError{Code: actors.FailureNotConfigured, Reason: "the tenant has no connected WhatsApp number; complete Embedded Signup first"}
	case t.NeedsReauth:
		return &actors.SendRefusedError{Code: actors.FailureNeedsReauth, Reason: "Meta rejected the tenant's access token; reconnect the number through Embedded Signup"}
	}
	return nil
}

// uploadMedia uploads a tenant's file to Meta from its connected number (POST /media).
func (e *Engine) uploadMedia(ctx context.Context, tenantID string, m graph.MediaUpload) (string, error) {
	t, token, err := e.connected(ctx, tenantID)
	if err != nil {
		return "", err
	}
	res, err := e.graph.UploadMedia(ctx, token, t.PhoneNumberID, m)
	if err != nil {
		return "", e.tokenVerdict(t, err)
	}
	return res.ID, nil
}

// maxTemplatePages bounds a sync: Meta keeps at most 250 templates per WABA (3 pages of
// 100), so far more pages means a paging loop, not templates.
const maxTemplatePages = 50

// syncTemplates reads every page of the tenant's templates from Meta (following the
// cursor until Meta gives no next page: reading page one only is the classic sync bug) and
// hands the list to the tenant, which replaces its own with it (POST /templates/sync).
func (e *Engine) syncTemplates(ctx context.Context, tenantID string) (*actors.TemplatesSynced, error) {
	t, token, err := e.connected(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if t.WABAID == "" {
		return nil, &actors.SendRefusedError{Code: actors.FailureNotConfigured, Reason: "the tenant has no WhatsApp Business Account; complete Embedded Signup first"}
	}
	sync := &actors.SyncTemplates{FetchedAt: time.Now().UTC(), Templates: []actors.TemplateUpdate{}}
	after, read := "", map[string]bool{}
	for page := 1; ; page++ {
		if page > maxTemplatePages {
			return nil, fmt.Errorf("template sync of tenant %s: more than %d pages; Meta's paging does not end", tenantID, maxTemplatePages)
		}
		p, err := e.graph.ListTemplates(ctx, token, t.WABAID, after)
		if err != nil {
			return nil, e.tokenVerdict(t, err)
		}
		for _, mt := range p.Data {
			id, _ := strconv.ParseInt(mt.ID, 10, 64)
			sync.Templates = append(sync.Templates, actors.TemplateUpdate{ID: id, Name: mt.Name, Language: mt.Language,
				Status: mt.Status, Category: mt.Category, Reason: mt.RejectedReason, PreviousCategory: mt.PreviousCategory,
				Params: templateParams(mt)})
		}
		if p.Paging.Next == "" || p.Paging.Cursors.After == "" || len(p.Data) == 0 {
			break
		}
		read[after] = true
		if after = p.Paging.Cursors.After; read[after] {
			// Back to a page already read: the paging would go round until the cap, each
			// call spending the WABA's management budget on the same templates.
			return nil, fmt.Errorf("template sync of tenant %s: page %d points back to a page already read; Meta's paging does not end", tenantID, page)
		}
	}
	return e.actors.SyncTemplates(ctx, tenantID, sync)
}
