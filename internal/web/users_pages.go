package web

import "ncms/internal/httpx"

// userRoutes: users and scopes admin, API tokens.
func (c *Console) userRoutes() []httpx.Route { return nil }
