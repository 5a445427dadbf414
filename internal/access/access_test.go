package access

import "testing"

func TestScopeCoversArea(t *testing.T) {
	township := Scope{AreaID: 5, AreaPath: "/1/5/"}
	cases := []struct {
		path string
		want bool
	}{
		{"/1/5/", true}, {"/1/5/23/", true}, {"/1/6/", false}, {"/1/55/", false}, {"/1/", false},
	}
	for _, c := range cases {
		if got := township.CoversArea(c.path); got != c.want {
			t.Errorf("CoversArea(%q) = %v, want %v", c.path, got, c.want)
		}
	}
	inst := Scope{InstitutionID: 3}
	if inst.CoversArea("/1/") || !inst.CoversInstitution(3) || inst.CoversInstitution(4) {
		t.Error("institution scope must cover only its own institution")
	}
	if cl, _ := inst.AreaFilter("p"); cl != "1 = 0" {
		t.Errorf("institution AreaFilter = %q", cl)
	}
}

func TestRoles(t *testing.T) {
	for _, r := range Roles {
		if !r.Valid() {
			t.Errorf("%s not valid", r)
		}
		if zh, en := r.Label(); zh == string(r) || en == string(r) {
			t.Errorf("%s has no label", r)
		}
	}
	if Role("root").Valid() {
		t.Error("unknown role accepted")
	}
}
