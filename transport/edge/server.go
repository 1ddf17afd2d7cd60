package edge

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/valyala/fasthttp"
)

// ConfigureServer applies the edge's settings that only the fasthttp.Server can hold: no
// Server header (the stack's name helps attackers; see SecurityHeaders), ServerErrorHandler
// so requests fasthttp refuses answer in the JSON envelope, and logger for fasthttp's own
// messages. Set Handler, timeouts and MaxRequestBodySize as usual.
func ConfigureServer(s *fasthttp.Server, logger *slog.Logger) {
	s.Name = ""
	s.NoDefaultServerHeader = true
	s.ErrorHandler = ServerErrorHandler(logger)
	s.Logger = printfLogger{logger}
}

// printfLogger takes fasthttp's Printf lines at debug level: each is about a connection
// ServerErrorHandler has already logged in structured form, or about a peer going away.
type printfLogger struct{ l *slog.Logger }

func (p printfLogger) Printf(format string, args ...any) {
	if p.l.Enabled(context.Background(), slog.LevelDebug) {
		p.l.Debug("fasthttp: " + fmt.Sprintf(format, args...))
	}
}
