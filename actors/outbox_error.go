package actors

import "github.com/switchboard/switchboard/persistence"

// rowError is the last error an outbox row keeps, as the API shows it: Meta's or the
// engine's own, its reason filled in for rows written before reasons were kept (reasonOr).
func rowError(row persistence.OutboxMessage) *MessageError {
	return &MessageError{Code: row.ErrorCode, Title: row.ErrorTitle, Details: row.ErrorDetails, Reason: reasonOr(row.ErrorReason, row.ErrorCode)}
}

// keepError writes e into row as its last error, nil clearing it. The four fields go
// together here and nowhere else: a clear written out by hand once left the reason behind.
func keepError(row *persistence.OutboxMessage, e *MessageError) {
	if e == nil {
		row.ErrorCode, row.ErrorTitle, row.ErrorDetails, row.ErrorReason = 0, "", "", ""
		return
	}
	row.ErrorCode, row.ErrorTitle, row.ErrorDetails, row.ErrorReason = e.Code, e.Title, e.Details, reasonOr(e.Reason, e.Code)
}
