package millwright

import (
	"slices"
	"strings"
)

// unitDecimals is the catalog of common units of measure and how many
// decimals a quantity counted in each may have: things counted one by one
// take whole numbers, measured ones three decimals (a gram of a kilogram,
// a millimetre of a metre). Keys are upper case.
var unitDecimals = map[string]int{}

func init() {
	for _, u := range strings.Fields(`EA EACH PC PCS PCE PIECE UNIT UN NO NOS SET PR PAIR KIT BOX BX CS CASE
		PK PACK PKG BAG CTN CARTON DZ DOZEN ROLL RL DRUM DR CAN BTL BOTTLE PAL PALLET SHEET SH TUBE REEL ASSY`) {
		unitDecimals[u] = 0
	}
	for _, u := range strings.Fields(`KG G MG T TON LB LBS OZ L LTR ML GAL QT PT M MM CM KM FT IN YD
		M2 M3 SQM SQFT CBM FT2 FT3 KWH MWH`) {
		unitDecimals[u] = 3
	}
	for _, u := range strings.Fields(`H HR HRS HOUR HOURS`) {
		unitDecimals[u] = HoursDecimals
	}
}

// UnknownUnitDecimals is the decimals of a unit the catalog does not know.
const UnknownUnitDecimals = 3

// UnitDecimals returns how many decimals a quantity counted in unit may
// have: 0 for EA, PCS, BOX and other counted units, 3 for KG, L, M and
// other measured ones, 2 for hours, and UnknownUnitDecimals for a unit
// not in the catalog. docs/api.md lists the catalog.
func UnitDecimals(unit string) int {
	if d, ok := unitDecimals[strings.ToUpper(strings.TrimSpace(unit))]; ok {
		return d
	}
	return UnknownUnitDecimals
}

// CheckUnitQuantity checks that q, counted in unit, has no more decimals
// than the unit takes: 0.5 EA is refused, 0.5 KG is not.
func CheckUnitQuantity(field string, q Qty, unit string) error {
	d := UnitDecimals(unit)
	if !q.Equal(q.Truncate(int32(d))) {
		if d == 0 {
			return boundError("invalid_quantity", field, "%s %s is not a whole number; %s is counted in whole units", q, unit, unit)
		}
		return boundError("invalid_quantity", field, "%s %s has too many decimals; %s takes at most %d", q, unit, unit, d)
	}
	return nil
}

// Units returns the catalog's units, sorted: what a form offers for an
// item's unit. A unit outside it is allowed (UnknownUnitDecimals).
func Units() []string {
	out := make([]string, 0, len(unitDecimals))
	for u := range unitDecimals {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}
