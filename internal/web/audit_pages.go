package web

import "ncms/internal/httpx"

// auditRoutes: the audit trail viewer.
func (c *Console) auditRoutes() []httpx.Route { return nil }
