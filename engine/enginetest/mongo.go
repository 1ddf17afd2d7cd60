package enginetest

import (
	"testing"

	"github.com/switchboard/switchboard/internal/testenv"
)

// DropDatabase removes a test database (cleanup; failures are only logged).
func DropDatabase(t testing.TB, uri, database string) { testenv.DropDatabase(t, uri, database) }
