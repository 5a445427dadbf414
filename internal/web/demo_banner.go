package web

import "sync/atomic"

// The demo banner. `ncms demo` serves the console while it is still
// settling the demonstration county's year in the background; every page
// then says so at the top, until the county is complete. The hook is
// process-wide (one process builds one demo county) so that neither the
// console's Config nor internal/server need to know of the demo; nothing
// but the demo command sets it, and without it no banner is shown.
var demoStatus atomic.Pointer[func() string]

// SetDemoStatus installs the function whose text every console page shows
// in a banner at the top (an empty text shows none); nil removes it.
func SetDemoStatus(f func() string) {
	if f == nil {
		demoStatus.Store(nil)
		return
	}
	demoStatus.Store(&f)
}

// DemoBanner is the banner's text for the layout: "" unless `ncms demo`
// is still building its county.
func (p *Page) DemoBanner() string {
	if f := demoStatus.Load(); f != nil {
		return (*f)()
	}
	return ""
}
