package auth

import (
	"context"
	"strings"
	"testing"
	"time"
)

// A flood of sign-ins takes at most len(hashSlots) hashes at once; the
// rest wait for a slot and, finding none within HashWait or before their
// request ends, are told the server is busy, without hashing.
func TestVerifyPasswordBounded(t *testing.T) {
	hash := HashPassword("correct horse")
	if ok, err := VerifyPassword(t.Context(), hash, "correct horse"); !ok || err != nil {
		t.Fatalf("VerifyPassword(right) = %v, %v; want true", ok, err)
	}
	if ok, err := VerifyPassword(t.Context(), hash, strings.Repeat("x", MaxPassword+1)); ok || err != nil {
		t.Fatalf("VerifyPassword(%d bytes) = %v, %v; want false at once", MaxPassword+1, ok, err)
	}
	for range cap(hashSlots) {
		hashSlots <- struct{}{} // every slot taken
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if ok, err := VerifyPassword(ctx, hash, "correct horse"); ok || err != ErrBusy {
		t.Fatalf("VerifyPassword with every slot taken = %v, %v; want ErrBusy", ok, err)
	}
	<-hashSlots
	if ok, err := VerifyPassword(t.Context(), hash, "correct horse"); !ok || err != nil {
		t.Fatalf("VerifyPassword with a slot free = %v, %v; want true", ok, err)
	}
	for range cap(hashSlots) - 1 {
		<-hashSlots
	}
}
