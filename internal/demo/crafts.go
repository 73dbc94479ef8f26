package demo

import (
	"context"

	"github.com/millwright-cmms/millwright"
	"github.com/millwright-cmms/millwright/internal/workorder"
)

// crafts are the demo's trades and their hourly rates, at every site, so
// that labor logged without a rate takes one.
var crafts = []struct{ code, name, rate string }{
	{"mechanic", "Mechanic", "48.00"},
	{"electrician", "Electrician", "75.00"},
	{"hvac", "HVAC technician", "52.00"},
	{"instrument", "Instrument technician", "58.00"},
}

// userCraft is the default craft of the demo's technicians.
var userCraft = map[string]string{"tom": "mechanic"}

func (l *loader) crafts(ctx context.Context) error {
	for _, c := range crafts {
		if _, err := workorder.SaveCraft(ctx, l.tx, workorder.Craft{Code: c.code, Name: c.name, Rate: millwright.MustMoney(c.rate)}); err != nil {
			return err
		}
		l.count("crafts")
	}
	return nil
}

// rate is a labor entry's own rate, for work paid apart from its craft's
// rate (overtime, a contractor).
func rate(s string) *millwright.Money {
	m := millwright.MustMoney(s)
	return &m
}
