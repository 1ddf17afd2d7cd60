package engine

import (
	"context"
	"fmt"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/persistence"
	"github.com/switchboard/switchboard/persistence/embedded"
	"github.com/switchboard/switchboard/persistence/mongo"
)

// OpenStore opens MongoDB when MONGODB_URI is set, else the embedded store in DATA_DIR.
func OpenStore(ctx context.Context, cfg *config.Config) (persistence.Store, error) {
	if cfg.MongoDBURI != "" {
		s, err := mongo.OpenWith(ctx, cfg.MongoDBURI, cfg.MongoDBDatabase, mongo.Options{FenceLease: cfg.MongoDBFenceLease})
		if err != nil {
			return nil, fmt.Errorf("engine: open MongoDB: %w", err)
		}
		return s, nil
	}
	s, err := embedded.Open(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("engine: open embedded store in %s: %w", cfg.DataDir, err)
	}
	return s, nil
}
