package main

import (
	"context"
	"fmt"

	"github.com/switchboard/switchboard/engine"
)

func seed(args []string) error {
	if err := noArgs("seed", args); err != nil {
		return err
	}
	cfg, log, err := loadConfig()
	if err != nil {
		return err
	}
	if cfg.Production() {
		// The seed users' passwords are published (API.md): in production they would be
		// anyone's way in as platform admin.
		return fmt.Errorf("seed: refused with APP_ENV=production: it creates users whose passwords are published in the API docs")
	}
	return withEngine(cfg, log, func(ctx context.Context, e *engine.Engine) error {
		return printSeed(ctx, e)
	})
}

func printSeed(ctx context.Context, e *engine.Engine) error {
	rep, err := e.Accounts().Seed(ctx)
	if err != nil {
		return err
	}
	if len(rep.Created) == 0 {
		fmt.Println("seed: nothing to do, everything already exists")
	}
	for _, c := range rep.Created {
		fmt.Println("seed: created", c)
	}
	fmt.Printf("seed: demo tenant %q id %s phone_number_id %s (store: %s)\n",
		rep.Tenant.Name, rep.Tenant.ID, rep.Tenant.PhoneNumberID, e.Store().Backend())
	return nil
}
