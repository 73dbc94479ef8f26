package workorder

// FailureCatalog is a short list of the failure codes a completion
// usually names, offered as suggestions: the problem seen, its cause and
// the remedy. A completion may name any other in its own words.
type FailureCatalog struct {
	Problems, Causes, Remedies []string
}

// FailureCodes is the catalog offered when work is completed.
var FailureCodes = FailureCatalog{
	Problems: []string{"Leak", "Noise", "Vibration", "Overheating", "Does not start", "Tripped", "Low output",
		"Blocked", "Worn", "Broken", "Misaligned", "Electrical fault", "Instrument fault", "Contamination"},
	Causes: []string{"Wear", "Lubrication", "Misalignment", "Imbalance", "Loose fastening", "Seal failure", "Bearing failure",
		"Contamination", "Overload", "Operator error", "Design", "Corrosion", "Fatigue", "Electrical", "Unknown"},
	Remedies: []string{"Replaced", "Repaired", "Adjusted", "Aligned", "Lubricated", "Cleaned", "Tightened",
		"Reset", "Calibrated", "Modified", "Temporary repair", "No fault found"},
}
