package millwright_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/millwright-cmms/millwright"
)

// FuzzParseMoney checks that any text ParseMoney accepts writes out as a
// string that parses back to the same amount, rounded to cents, in
// String, %v and JSON alike.
func FuzzParseMoney(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		m, err := millwright.ParseMoney(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("ParseMoney(%q) = an error with no message", s)
			}
			return
		}
		want := m.Round()
		back, err := millwright.ParseMoney(m.String())
		if err != nil || !back.Equal(want.Decimal) {
			t.Fatalf("ParseMoney(%q).String() = %q, which parses to %v, %v; want %v", s, m.String(), back, err, want)
		}
		if got := fmt.Sprint(m); got != m.String() {
			t.Fatalf("fmt.Sprint(ParseMoney(%q)) = %q; want %q", s, got, m.String())
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("json.Marshal(ParseMoney(%q)) = %v", s, err)
		}
		var j millwright.Money
		if err := json.Unmarshal(b, &j); err != nil || !j.Equal(want.Decimal) {
			t.Fatalf("ParseMoney(%q) as JSON %s reads back as %v, %v; want %v", s, b, j, err, want)
		}
	})
}

// FuzzMoneyJSON checks that a Money field reads any JSON without
// panicking, refuses what it cannot read with a message that says what an
// amount looks like, and writes what it read as a string that reads back
// to the same amount in cents.
func FuzzMoneyJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		var v struct {
			Amount millwright.Money `json:"amount"`
		}
		doc := append(append([]byte(`{"amount":`), b...), '}')
		if err := json.Unmarshal(doc, &v); err != nil {
			if err.Error() == "" {
				t.Fatalf("Unmarshal(%s) = an error with no message", doc)
			}
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("Marshal after Unmarshal(%s) = %v", doc, err)
		}
		var back struct {
			Amount millwright.Money `json:"amount"`
		}
		if err := json.Unmarshal(out, &back); err != nil || !back.Amount.Equal(v.Amount.Round().Decimal) {
			t.Fatalf("Unmarshal(%s) wrote %s, which reads back as %v, %v; want %v", doc, out, back.Amount, err, v.Amount.Round())
		}
	})
}

// FuzzQtyJSON checks that a Qty field reads any JSON without panicking,
// and writes what it read as a JSON number that reads back exactly.
func FuzzQtyJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		var q millwright.Qty
		if err := q.UnmarshalJSON(b); err != nil {
			if err.Error() == "" {
				t.Fatalf("UnmarshalJSON(%q) = an error with no message", b)
			}
			return
		}
		out, err := json.Marshal(q)
		if err != nil {
			t.Fatalf("Marshal of UnmarshalJSON(%q) = %v", b, err)
		}
		if !json.Valid(out) || len(out) == 0 || out[0] == '"' {
			t.Fatalf("UnmarshalJSON(%q) marshals as %s; want a JSON number", b, out)
		}
		var back millwright.Qty
		if err := json.Unmarshal(out, &back); err != nil || !back.Equal(q.Decimal) {
			t.Fatalf("UnmarshalJSON(%q) wrote %s, which reads back as %v, %v; want %v", b, out, back, err, q)
		}
	})
}
