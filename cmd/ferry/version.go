package main

import "fmt"

func runVersion(g *globals, args []string) error {
	g.flags("")
	if err := g.parse(args); err != nil {
		return err
	}
	fmt.Println("ferry", Version, "(speaks NNCP 8.x)")
	return nil
}
