package main

import (
	"fmt"
	"strings"
	"time"

	"ferry/call/cron"
)

func runCronexpr(g *globals, args []string) error {
	fs := g.flags("[--num N] EXPR")
	num := fs.IntP("num", "n", 5, "print the next `N` times")
	if err := g.parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErrorf("want a cron expression")
	}
	e, err := cron.Parse(strings.Join(fs.Args(), " "))
	if err != nil {
		return err
	}
	t := time.Now()
	for i := 0; i < *num; i++ {
		if t, err = e.Next(t); err != nil {
			return err
		}
		fmt.Println(t.Format(time.RFC3339))
	}
	return nil
}
