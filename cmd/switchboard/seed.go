package main

import (
	"context"
	"fmt"
	"time"

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
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, err := engine.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() { _ = e.Shutdown(context.Background()) }()
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
