package main

import (
	"errors"
	"fmt"

	"github.com/ferry-dtn/ferry/spool"
)

// quotaRefusal is how a sending command reports a packet refused for a
// tx quota: the outbox's error as it is, for it names the queue ("queue
// file for bob: tx quota full: ..."), with what to do about it. ok is
// false for any other error.
func quotaRefusal(e *localNode, err error) (_ error, ok bool) {
	var qe *spool.QuotaError
	if !errors.As(err, &qe) {
		return err, false
	}
	return withHint(err, "%s", quotaHint(e, qe)), true
}

// quotaHint says how to make room in a full tx queue: let a call take
// its packets, remove some, or raise the quota that refused.
func quotaHint(e *localNode, qe *spool.QuotaError) string {
	key := "neigh." + e.c.NodeName(qe.Node) + ".ferry-quota"
	if qe.Global {
		key = "the top-level ferry-quota"
	}
	name := e.c.NodeName(qe.Node)
	drain := "a call to " + name + " takes what is queued"
	if e.c.Self != nil && qe.Node == e.c.Self.ID {
		drain = "'ferry toss' fans out the area messages queued" // our own tx holds only those
	}
	return fmt.Sprintf("%s; 'ferry rm --node %s --%s' removes packets ('ferry stat' lists them); or raise %s's %s-bytes/%s-packets",
		drain, name, qe.XX, key, qe.XX, qe.XX)
}
