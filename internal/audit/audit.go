// Package audit is the append-only, hash-chained record of every change:
// who did what to which record, when, with the record before and after.
//
// A change writes its entry unsealed, with no place in the chain; the
// sealer later gives committed entries, in the order it finds them, their
// sequence numbers and hashes (Sealer, store.DB.SealAudit).
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// Entry is one change in the audit trail. Seq, PrevHash and Hash are its
// place in the chain, zero until it is sealed.
type Entry struct {
	Seq        int64           `json:"seq"`
	At         time.Time       `json:"at"`
	Actor      string          `json:"actor"`
	EntityType string          `json:"entity_type"`
	EntityID   string          `json:"entity_id"`
	Action     string          `json:"action"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// Sum returns the hash of e chained to e.PrevHash. Every field but Hash is
// covered, each length-prefixed so that no two entries hash alike.
func (e *Entry) Sum() string {
	h := sha256.New()
	for _, f := range []string{
		e.PrevHash,
		strconv.FormatInt(e.Seq, 10),
		e.At.UTC().Format(time.RFC3339Nano),
		e.Actor, e.EntityType, e.EntityID, e.Action,
		string(e.Before), string(e.After),
	} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Verification is the result of checking the chain.
type Verification struct {
	OK      bool   `json:"ok"`
	Entries int64  `json:"entries"`
	BadSeq  int64  `json:"bad_seq,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// Unsealed counts the entries committed but not yet sealed: the
	// chain, and so the verification, does not cover them yet.
	Unsealed int64 `json:"unsealed,omitempty"`
}

// Verifier checks entries in sequence order, one at a time.
type Verifier struct {
	v    Verification
	prev string
}

// Check checks the next entry. It returns false once the chain is broken.
func (c *Verifier) Check(e *Entry) bool {
	if c.v.Reason != "" {
		return false
	}
	want := c.v.Entries + 1
	switch {
	case e.Seq != want:
		c.fail(e.Seq, "entry %d is missing: the sequence jumps from %d to %d", want, c.v.Entries, e.Seq)
	case e.PrevHash != c.prev:
		c.fail(e.Seq, "entry %d does not chain to entry %d: an entry was removed or replaced", e.Seq, c.v.Entries)
	case e.Sum() != e.Hash:
		c.fail(e.Seq, "entry %d (%s %s %s) was altered after it was written: its hash does not match its content", e.Seq, e.Action, e.EntityType, e.EntityID)
	default:
		c.v.Entries, c.prev = e.Seq, e.Hash
		return true
	}
	return false
}

func (c *Verifier) fail(seq int64, format string, args ...any) {
	c.v.BadSeq = seq
	c.v.Reason = sprintf(format, args...)
}

// Result returns the verification; head is the hash the chain must end
// with, as recorded when the last entry was sealed.
func (c *Verifier) Result(headSeq int64, headHash string) Verification {
	v := c.v
	switch {
	case v.Reason != "":
	case headSeq > v.Entries:
		v.BadSeq = v.Entries + 1
		v.Reason = sprintf("the chain ends at entry %d but %d entries were sealed: entries were removed from the end", v.Entries, headSeq)
	case headSeq < v.Entries:
		v.BadSeq = headSeq + 1
		v.Reason = sprintf("the chain goes on to entry %d but only %d entries were sealed: entries were added after the last", v.Entries, headSeq)
	case headHash != c.prev:
		v.BadSeq = v.Entries
		v.Reason = sprintf("entry %d is not the one sealed last: its hash differs from the chain's head", v.Entries)
	}
	v.OK = v.Reason == ""
	return v
}
