// Package schemes embeds the reference compensation schemes of this
// directory (docs/scheme.md), so that commands such as `ncms demo` work
// from any directory without the source tree.
package schemes

import "embed"

// FS holds the *.yaml scheme files of this directory.
//
//go:embed *.yaml
var FS embed.FS
