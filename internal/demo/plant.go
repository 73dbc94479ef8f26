package demo

// The demonstration plant: a paper mill and a bottling plant, as a
// maintenance manager would recognise them. Codes and part numbers are
// made up; the kinds of equipment and parts are those of real plants.

type siteDef struct {
	code, name, currency, tz string
	locations                [][2]string // code, name
}

var sites = []siteDef{
	{"NORTH", "Riverside Paper Mill", "USD", "America/Chicago", [][2]string{
		{"N-PWR", "Power house"}, {"N-PM1", "Paper machine 1"}, {"N-WTP", "Water treatment"},
		{"N-BLD", "Mill buildings"}, {"N-SHP", "Shipping"},
	}},
	{"SOUTH", "Bayside Bottling Plant", "USD", "America/New_York", [][2]string{
		{"S-L1", "Bottling line 1"}, {"S-UTL", "Utilities"}, {"S-WH", "Warehouse"},
	}},
}

type classDef struct {
	code, name string
	arm        bool // auto request material
}

var classes = []classDef{
	{"PUMP-CENT", "Centrifugal pump", true},
	{"COMP-AIR", "Rotary screw air compressor", true},
	{"CONV-BELT", "Belt conveyor", false},
	{"BOILER", "Steam boiler", true},
	{"HVAC-AHU", "Air handling unit", false},
	{"MOTOR-AC", "AC induction motor", false},
	{"GEARBOX", "Gearbox", false},
	{"FAN", "Industrial fan", false},
	{"CHILLER", "Water chiller", true},
}

type assetDef struct {
	site, tag, name, class, parent, location string
	criticality                              int
	costCenter                               string
}

var assets = []assetDef{
	// Riverside Paper Mill: power house
	{"NORTH", "B-01", "Package boiler 1, 25 t/h", "BOILER", "", "N-PWR", 1, "CC-NPWR"},
	{"NORTH", "B-01-FAN", "Boiler 1 forced-draft fan", "FAN", "B-01", "N-PWR", 2, "CC-NPWR"},
	{"NORTH", "B-01-FAN-M", "Boiler 1 FD fan motor 75 kW", "MOTOR-AC", "B-01-FAN", "N-PWR", 2, "CC-NPWR"},
	{"NORTH", "B-02", "Package boiler 2, 25 t/h", "BOILER", "", "N-PWR", 1, "CC-NPWR"},
	{"NORTH", "B-02-FAN", "Boiler 2 forced-draft fan", "FAN", "B-02", "N-PWR", 2, "CC-NPWR"},
	{"NORTH", "P-101", "Boiler feed pump A", "PUMP-CENT", "", "N-PWR", 1, "CC-NPWR"},
	{"NORTH", "P-101-M", "Boiler feed pump A motor 110 kW", "MOTOR-AC", "P-101", "N-PWR", 1, "CC-NPWR"},
	{"NORTH", "P-102", "Boiler feed pump B", "PUMP-CENT", "", "N-PWR", 1, "CC-NPWR"},
	{"NORTH", "P-102-M", "Boiler feed pump B motor 110 kW", "MOTOR-AC", "P-102", "N-PWR", 1, "CC-NPWR"},
	{"NORTH", "C-201", "Instrument air compressor 1", "COMP-AIR", "", "N-PWR", 2, "CC-NPWR"},
	{"NORTH", "C-202", "Instrument air compressor 2", "COMP-AIR", "", "N-PWR", 2, "CC-NPWR"},
	// paper machine 1
	{"NORTH", "PM1", "Paper machine 1", "", "", "N-PM1", 1, "CC-NPM1"},
	{"NORTH", "PM1-P-301", "PM1 fan pump", "PUMP-CENT", "PM1", "N-PM1", 1, "CC-NPM1"},
	{"NORTH", "PM1-P-302", "PM1 white-water pump", "PUMP-CENT", "PM1", "N-PM1", 2, "CC-NPM1"},
	{"NORTH", "PM1-P-303", "PM1 couch pit pump", "PUMP-CENT", "PM1", "N-PM1", 3, "CC-NPM1"},
	{"NORTH", "PM1-CV-01", "PM1 broke conveyor", "CONV-BELT", "PM1", "N-PM1", 3, "CC-NPM1"},
	{"NORTH", "PM1-CV-01-GB", "PM1 broke conveyor gearbox", "GEARBOX", "PM1-CV-01", "N-PM1", 3, "CC-NPM1"},
	{"NORTH", "PM1-VF-01", "PM1 vacuum fan", "FAN", "PM1", "N-PM1", 2, "CC-NPM1"},
	{"NORTH", "PM1-AHU-01", "PM1 hood supply air unit", "HVAC-AHU", "PM1", "N-PM1", 3, "CC-NPM1"},
	// water treatment, buildings, shipping
	{"NORTH", "WT-P-401", "Raw water intake pump 1", "PUMP-CENT", "", "N-WTP", 2, "CC-NWTP"},
	{"NORTH", "WT-P-402", "Raw water intake pump 2", "PUMP-CENT", "", "N-WTP", 2, "CC-NWTP"},
	{"NORTH", "WT-P-403", "Clarifier sludge pump", "PUMP-CENT", "", "N-WTP", 3, "CC-NWTP"},
	{"NORTH", "AHU-ADM", "Admin building air handler", "HVAC-AHU", "", "N-BLD", 4, "CC-NBLD"},
	{"NORTH", "CH-01", "Admin building chiller 300 kW", "CHILLER", "", "N-BLD", 3, "CC-NBLD"},
	{"NORTH", "CV-SHP-01", "Roll shipping conveyor 1", "CONV-BELT", "", "N-SHP", 3, "CC-NSHP"},
	{"NORTH", "CV-SHP-02", "Roll shipping conveyor 2", "CONV-BELT", "", "N-SHP", 3, "CC-NSHP"},
	// Bayside Bottling Plant
	{"SOUTH", "L1", "Bottling line 1", "", "", "S-L1", 1, "CC-SL1"},
	{"SOUTH", "L1-CV-01", "Line 1 infeed conveyor", "CONV-BELT", "L1", "S-L1", 2, "CC-SL1"},
	{"SOUTH", "L1-CV-01-M", "Line 1 infeed conveyor motor", "MOTOR-AC", "L1-CV-01", "S-L1", 2, "CC-SL1"},
	{"SOUTH", "L1-CV-02", "Line 1 filler discharge conveyor", "CONV-BELT", "L1", "S-L1", 2, "CC-SL1"},
	{"SOUTH", "L1-CV-03", "Line 1 case conveyor", "CONV-BELT", "L1", "S-L1", 3, "CC-SL1"},
	{"SOUTH", "L1-CV-03-GB", "Line 1 case conveyor gearbox", "GEARBOX", "L1-CV-03", "S-L1", 3, "CC-SL1"},
	{"SOUTH", "L1-P-01", "Line 1 CIP supply pump", "PUMP-CENT", "L1", "S-L1", 2, "CC-SL1"},
	{"SOUTH", "L1-P-02", "Line 1 product transfer pump", "PUMP-CENT", "L1", "S-L1", 1, "CC-SL1"},
	{"SOUTH", "U-C-01", "Process air compressor 1", "COMP-AIR", "", "S-UTL", 1, "CC-SUTL"},
	{"SOUTH", "U-C-02", "Process air compressor 2", "COMP-AIR", "", "S-UTL", 2, "CC-SUTL"},
	{"SOUTH", "U-B-01", "Hot water boiler", "BOILER", "", "S-UTL", 2, "CC-SUTL"},
	{"SOUTH", "U-CH-01", "Process chiller 500 kW", "CHILLER", "", "S-UTL", 1, "CC-SUTL"},
	{"SOUTH", "U-AHU-01", "Production hall air handler", "HVAC-AHU", "", "S-UTL", 3, "CC-SUTL"},
	{"SOUTH", "U-AHU-02", "Warehouse air handler", "HVAC-AHU", "", "S-WH", 4, "CC-SWH"},
	{"SOUTH", "WH-CV-01", "Palletiser conveyor", "CONV-BELT", "", "S-WH", 3, "CC-SWH"},
}

type itemDef struct {
	pn, desc, unit, stockType, unitCost, vendor, group string
	conv                                               [][2]string // unit, factor
}

var items = []itemDef{
	// stock items
	{"BRG-6205-2RS", "Deep groove ball bearing 6205-2RS", "EA", "stock", "8.40", "SKF Distribution", "BEARINGS", nil},
	{"BRG-6309-C3", "Deep groove ball bearing 6309 C3", "EA", "stock", "31.20", "SKF Distribution", "BEARINGS", nil},
	{"BRG-22220-E", "Spherical roller bearing 22220 E", "EA", "stock", "214.00", "SKF Distribution", "BEARINGS", nil},
	{"BRG-UCP208", "Pillow block bearing UCP208", "EA", "stock", "26.50", "Motion Industries", "BEARINGS", nil},
	{"SEAL-MECH-35", "Mechanical seal 35 mm, type 21", "EA", "stock", "142.00", "John Crane", "SEALS", nil},
	{"SEAL-LIP-45", "Lip seal 45x62x8 NBR", "EA", "stock", "4.10", "Motion Industries", "SEALS", nil},
	{"GSK-DN100", "Spiral wound gasket DN100 PN40", "EA", "stock", "18.75", "Flexitallic", "GASKETS", nil},
	{"GSK-DN150", "Spiral wound gasket DN150 PN40", "EA", "stock", "24.90", "Flexitallic", "GASKETS", nil},
	{"FLT-AHU-24", "Air filter 24x24x2 MERV 13", "EA", "stock", "9.80", "Camfil", "FILTERS", [][2]string{{"BOX", "12"}}},
	{"FLT-AHU-BAG", "Bag filter 592x592 F7", "EA", "stock", "38.00", "Camfil", "FILTERS", nil},
	{"FLT-COMP-AIR", "Compressor air intake filter element", "EA", "stock", "64.00", "Atlas Copco", "FILTERS", nil},
	{"FLT-COMP-OIL", "Compressor oil filter", "EA", "stock", "41.50", "Atlas Copco", "FILTERS", nil},
	{"FLT-COMP-SEP", "Compressor oil separator", "EA", "stock", "189.00", "Atlas Copco", "FILTERS", nil},
	{"OIL-ISO46", "Hydraulic oil ISO VG 46", "L", "stock", "4.20", "Shell Lubricants", "LUBRICANTS", [][2]string{{"DRUM", "208"}, {"PAIL", "20"}}},
	{"OIL-COMP-RS", "Rotary screw compressor fluid", "L", "stock", "11.60", "Atlas Copco", "LUBRICANTS", [][2]string{{"PAIL", "20"}}},
	{"GRS-EP2", "Grease EP2 lithium complex, 400 g cartridge", "EA", "stock", "6.30", "Shell Lubricants", "LUBRICANTS", [][2]string{{"CASE", "24"}}},
	{"BLT-SPB-1800", "V-belt SPB 1800", "EA", "stock", "17.40", "Gates", "BELTS", nil},
	{"BLT-SPB-2240", "V-belt SPB 2240", "EA", "stock", "21.10", "Gates", "BELTS", nil},
	{"BLT-CONV-650", "Conveyor belt splice kit 650 mm", "EA", "stock", "96.00", "Fenner Dunlop", "BELTS", nil},
	{"IDL-CONV-650", "Conveyor carrying idler 650 mm", "EA", "stock", "58.00", "Fenner Dunlop", "CONVEYOR", nil},
	{"CPL-JAW-L110", "Jaw coupling spider L110", "EA", "stock", "12.60", "Lovejoy", "COUPLINGS", nil},
	{"CPL-GRID-1060", "Grid coupling grid 1060T", "EA", "stock", "88.00", "Rexnord", "COUPLINGS", nil},
	{"FUSE-GG-63", "Fuse NH00 gG 63 A", "EA", "stock", "7.90", "Eaton", "ELECTRICAL", [][2]string{{"BOX", "3"}}},
	{"CONT-AC3-40", "Contactor 40 A AC-3, 24 V DC coil", "EA", "stock", "112.00", "Eaton", "ELECTRICAL", nil},
	{"PRX-M18", "Inductive proximity sensor M18", "EA", "stock", "46.00", "ifm", "ELECTRICAL", nil},
	{"LAMP-LED-T8", "LED tube T8 1500 mm", "EA", "stock", "11.20", "Philips", "ELECTRICAL", [][2]string{{"BOX", "10"}}},
	{"VLV-BALL-50", "Ball valve DN50 stainless", "EA", "stock", "74.00", "Swagelok", "VALVES", nil},
	{"VLV-CHK-100", "Swing check valve DN100", "EA", "stock", "265.00", "Crane Co.", "VALVES", nil},
	{"GAUGE-PRS-16", "Pressure gauge 0-16 bar, 100 mm", "EA", "stock", "29.00", "WIKA", "INSTRUMENTS", nil},
	{"STM-TRAP-15", "Thermodynamic steam trap DN15", "EA", "stock", "138.00", "Spirax Sarco", "STEAM", nil},
	{"PACK-PTFE-10", "Gland packing PTFE 10 mm", "M", "stock", "8.60", "Garlock", "SEALS", nil},
	{"BOLT-M16-KIT", "Flange bolt kit M16 x 8", "EA", "stock", "15.20", "Fastenal", "FASTENERS", nil},
	{"RAG-WIPE", "Industrial wipes", "EA", "stock", "0.45", "Fastenal", "CONSUMABLES", [][2]string{{"BOX", "200"}}},
	{"CHEM-DESCALE", "Boiler descaling chemical", "L", "stock", "6.90", "Nalco", "CHEMICALS", [][2]string{{"DRUM", "200"}}},
	{"REF-R134A", "Refrigerant R-134a, 13.6 kg cylinder", "EA", "stock", "310.00", "Chemours", "HVAC", nil},
	{"BLT-AHU-A52", "V-belt A52 for air handlers", "EA", "stock", "9.40", "Gates", "BELTS", nil},
	{"MTR-BRUSH", "Motor carbon brush set", "EA", "stock", "34.00", "Morgan", "ELECTRICAL", nil},
	{"CHAIN-80", "Roller chain ANSI 80, 3 m", "EA", "stock", "122.00", "Tsubaki", "CONVEYOR", nil},
	{"SPR-80-15", "Sprocket ANSI 80, 15 teeth", "EA", "stock", "64.00", "Tsubaki", "CONVEYOR", nil},
	{"ORING-KIT", "O-ring kit NBR metric", "EA", "stock", "42.00", "Parker", "SEALS", nil},
	// direct (non-stock) items
	{"IMP-P101-8IN", "Impeller 8 in, bronze, for boiler feed pump", "EA", "direct", "1840.00", "Sulzer Pumps", "PUMP PARTS", nil},
	{"WRG-P101-SET", "Wear ring set for boiler feed pump", "EA", "direct", "420.00", "Sulzer Pumps", "PUMP PARTS", nil},
	{"SEAL-CART-55", "Cartridge mechanical seal 55 mm, API 682", "EA", "direct", "2650.00", "John Crane", "SEALS", nil},
	{"BRG-SPEC-7314", "Angular contact bearing pair 7314 BECBM, matched", "EA", "direct", "1275.00", "SKF Distribution", "BEARINGS", nil},
	{"BRG-SPEC-NU322", "Cylindrical roller bearing NU 322 ECML C3", "EA", "direct", "960.00", "SKF Distribution", "BEARINGS", nil},
	{"VFD-75KW", "Variable frequency drive 75 kW", "EA", "direct", "8900.00", "ABB", "ELECTRICAL", nil},
	{"MTR-110KW", "Motor 110 kW 4-pole IE3", "EA", "direct", "9800.00", "WEG", "ELECTRICAL", nil},
	{"BLR-TUBE-SET", "Boiler fire tube replacement set (10)", "EA", "direct", "5400.00", "Cleaver-Brooks", "STEAM", nil},
	{"BLR-BURNER-NOZ", "Burner nozzle assembly", "EA", "direct", "780.00", "Cleaver-Brooks", "STEAM", nil},
	{"CMP-AIREND-KIT", "Air-end overhaul kit", "EA", "direct", "6200.00", "Atlas Copco", "COMPRESSOR PARTS", nil},
	{"CMP-VALVE-MIN", "Minimum pressure valve kit", "EA", "direct", "540.00", "Atlas Copco", "COMPRESSOR PARTS", nil},
	{"GB-REBUILD-KIT", "Gearbox rebuild kit, size 4", "EA", "direct", "2300.00", "SEW-Eurodrive", "DRIVES", nil},
	{"CONV-BELT-650", "Conveyor belt EP400/3, 650 mm, per metre", "M", "direct", "118.00", "Fenner Dunlop", "CONVEYOR", nil},
	{"FAN-WHEEL-FD", "Forced-draft fan wheel, balanced", "EA", "direct", "7600.00", "Howden", "FANS", nil},
	{"CHL-COMP-SEMI", "Chiller semi-hermetic compressor", "EA", "direct", "14800.00", "Carrier", "HVAC", nil},
	{"CHL-EXV", "Chiller electronic expansion valve", "EA", "direct", "1150.00", "Carrier", "HVAC", nil},
	{"AHU-COIL-CW", "Chilled water coil for air handler", "EA", "direct", "3200.00", "Trane", "HVAC", nil},
	{"PLC-IO-DI16", "PLC digital input card 16 ch", "EA", "direct", "610.00", "Siemens", "ELECTRICAL", nil},
	{"SVC-VIB-ANALYSIS", "Vibration analysis service visit", "EA", "direct", "950.00", "Reliability Partners", "SERVICES", nil},
	{"SVC-BOILER-INSP", "Boiler statutory inspection", "EA", "direct", "1400.00", "Hartford Steam Boiler", "SERVICES", nil},
}

// boms: maintenance BOMs by asset class (and one per asset where the asset
// differs): part number, quantity, auto request material.
type bomLine struct {
	pn  string
	qty string
	arm bool
}

var classBOMs = map[string][]bomLine{
	"PUMP-CENT": {{"BRG-6309-C3", "2", false}, {"SEAL-MECH-35", "1", false}, {"GSK-DN100", "2", false}, {"CPL-JAW-L110", "1", false}},
	"COMP-AIR":  {{"FLT-COMP-AIR", "1", false}, {"FLT-COMP-OIL", "1", false}, {"FLT-COMP-SEP", "1", false}, {"OIL-COMP-RS", "20", false}},
	"CONV-BELT": {{"IDL-CONV-650", "4", false}, {"BRG-UCP208", "2", false}, {"BLT-CONV-650", "1", false}},
	"BOILER":    {{"GSK-DN150", "4", false}, {"STM-TRAP-15", "2", false}, {"GAUGE-PRS-16", "1", false}},
	"HVAC-AHU":  {{"FLT-AHU-24", "12", false}, {"FLT-AHU-BAG", "4", false}, {"BLT-AHU-A52", "2", false}},
	"MOTOR-AC":  {{"BRG-6205-2RS", "2", false}, {"GRS-EP2", "2", false}},
	"GEARBOX":   {{"OIL-ISO46", "20", false}, {"SEAL-LIP-45", "2", false}},
	"FAN":       {{"BRG-22220-E", "2", false}, {"BLT-SPB-2240", "4", false}},
	"CHILLER":   {{"REF-R134A", "1", false}, {"ORING-KIT", "1", false}},
}

// assetBOMs: the boiler feed pumps' overhaul BOM with three direct items
// flagged Auto Request Material: the seed's first flow.
var assetBOMs = map[string][]bomLine{
	"P-101": {
		{"IMP-P101-8IN", "1", true}, {"WRG-P101-SET", "1", true}, {"SEAL-CART-55", "1", true},
		{"BRG-6309-C3", "2", false}, {"GSK-DN100", "2", false},
	},
	"P-102": {
		{"IMP-P101-8IN", "1", true}, {"WRG-P101-SET", "1", true}, {"SEAL-CART-55", "1", true},
		{"BRG-6309-C3", "2", false}, {"GSK-DN100", "2", false},
	},
}

// storerooms: code, name, site.
var storerooms = [][3]string{
	{"N-MAIN", "Riverside main maintenance store", "NORTH"},
	{"S-MAIN", "Bayside maintenance store", "SOUTH"},
}

// users: one per role; tom the technician works at NORTH only.
var users = []struct{ name, role, site string }{
	{"ada", "admin", ""},
	{"paula", "planner", ""},
	{"tom", "technician", "NORTH"},
	{"sam", "storekeeper", ""},
	{"bea", "buyer", ""},
	{"alan", "approver", ""},
	{"fiona", "finance", ""},
	{"ivan", "integration", ""},
}
