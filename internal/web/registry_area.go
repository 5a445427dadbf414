package web

import (
	"fmt"
	"net/http"

	"ncms/internal/registry"
)

// areasView is the data of the area tree page: one area, its chain and
// its children with counts.
type areasView struct {
	Area     registry.Area
	Chain    []registry.Area
	Children []registry.Area
	Counts   map[int64]registry.AreaCount
	CanWrite bool
	Child    string // the level of a new child ("" under a group)
}

// areasPage shows an area (?id=, default the caller's scope root) with its
// children, and the forms to add a child and rename the area.
func (c *Console) areasPage(w http.ResponseWriter, r *http.Request) error {
	return c.renderAreas(w, r, emptyForm(), formID(r.URL.Query().Get("id")))
}

func (c *Console) renderAreas(w http.ResponseWriter, r *http.Request, f *Form, id int64) error {
	ctx, s := r.Context(), c.reg()
	if id == 0 {
		id = principal(r).Actor.Scope.AreaID
	}
	if id == 0 {
		root, err := s.Root(ctx)
		if err != nil {
			return err
		}
		id = root.ID
	}
	a, err := s.Area(ctx, id)
	if err != nil {
		return err
	}
	v := areasView{Area: a, CanWrite: canWriteRegister(r)}
	if v.Chain, err = s.Chain(ctx, id); err != nil {
		return err
	}
	if v.Children, err = s.Children(ctx, id); err != nil {
		return err
	}
	if v.Counts, err = s.Counts(ctx, append([]registry.Area{a}, v.Children...)); err != nil {
		return err
	}
	if lv := a.Level.Child(); lv != "" {
		zh, en := lv.Label()
		v.Child = (&Page{Lang: Lang(r)}).Tr(zh, en)
	}
	if f.Values.Get("name") == "" && f.Values.Get("rename") == "" {
		f.Values.Set("rename", a.Name)
	}
	return c.render(w, r, "registry_areas.html", View{Status: f.Status, Form: f, Data: v})
}

// areaCreate adds a child area.
func (c *Console) areaCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	parent := f.Int("parent_id")
	a, err := c.reg().CreateArea(r.Context(), registry.AreaInput{ParentID: parent, Name: f.Get("name"), Code: f.Get("code")})
	if f.Catch(err) {
		return c.renderAreas(w, r, f, parent)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已新建 " + a.Name + "（编码 " + a.Code + "）", En: "Created " + a.Name + " (code " + a.Code + ")"})
	return redirect(w, r, fmt.Sprintf("/areas?id=%d", parent))
}

// areaRename renames an area.
func (c *Console) areaRename(w http.ResponseWriter, r *http.Request) error {
	id, f, err := idAndForm(r)
	if err != nil {
		return err
	}
	_, err = c.reg().RenameArea(r.Context(), id, f.Get("rename"))
	if f.Catch(prefixErrors(err, "re")) {
		return c.renderAreas(w, r, f, id)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已改名", En: "Renamed"})
	return redirect(w, r, fmt.Sprintf("/areas?id=%d", id))
}
