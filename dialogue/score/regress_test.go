package score

import "testing"

// floors are a little under what the scorer reaches, so a later change
// cannot quietly make it worse. Raise them when the scorer improves.
type floors struct{ p, r, f1, kappa, phaseF1 float64 }

func checkFloors(t *testing.T, name string, r Report, fl floors) {
	t.Helper()
	b := r.Blaming
	t.Logf("%s: n=%d blaming P=%.3f R=%.3f F1=%.3f kappa=%.3f; phase acc=%.3f macro-F1=%.3f",
		name, r.N, b.Precision, b.Recall, b.F1, b.Kappa, r.Phase.Accuracy, r.Phase.MacroF1)
	if b.Precision < fl.p {
		t.Errorf("%s: blaming precision %.3f < floor %.3f", name, b.Precision, fl.p)
	}
	if b.Recall < fl.r {
		t.Errorf("%s: blaming recall %.3f < floor %.3f", name, b.Recall, fl.r)
	}
	if b.F1 < fl.f1 {
		t.Errorf("%s: blaming F1 %.3f < floor %.3f", name, b.F1, fl.f1)
	}
	if b.Kappa < fl.kappa {
		t.Errorf("%s: kappa %.3f < floor %.3f", name, b.Kappa, fl.kappa)
	}
	if r.Phase.MacroF1 < fl.phaseF1 {
		t.Errorf("%s: phase macro-F1 %.3f < floor %.3f", name, r.Phase.MacroF1, fl.phaseF1)
	}
}

func TestRegressionDev(t *testing.T) {
	ex := readLabelled(t, devPath)
	r := Evaluate(ex, Default().Score)
	dumpErrors(t, "dev", r)
	checkFloors(t, "dev", r, floors{p: 0.98, r: 0.98, f1: 0.98, kappa: 0.97, phaseF1: 0.96})
}

func TestRegressionOwn(t *testing.T) {
	ex := readLabelled(t, ownPath)
	if len(ex) < 250 {
		t.Errorf("%s has %d lines; keep at least 250", ownPath, len(ex))
	}
	r := Evaluate(ex, Default().Score)
	dumpErrors(t, "own", r)
	checkFloors(t, "own", r, floors{p: 0.98, r: 0.98, f1: 0.98, kappa: 0.97, phaseF1: 0.98})
}
